/**
 * Lets the whole page take dropped files: `dragging` is true while files are held over the window,
 * and `onFiles` receives every file of a drop at once.
 */
export function useFileDrop(onFiles: (files: File[]) => void) {
  const dragging = ref(false)
  let depth = 0

  const carriesFiles = (event: DragEvent) => !!event.dataTransfer && [...event.dataTransfer.types].includes('Files')

  function onDragEnter(event: DragEvent) {
    if (!carriesFiles(event)) return
    event.preventDefault()
    depth++
    dragging.value = true
  }
  function onDragOver(event: DragEvent) {
    if (!carriesFiles(event)) return
    event.preventDefault()
    event.dataTransfer!.dropEffect = 'copy'
  }
  function onDragLeave(event: DragEvent) {
    if (!carriesFiles(event)) return
    depth = Math.max(0, depth - 1)
    if (depth === 0) dragging.value = false
  }
  function onDrop(event: DragEvent) {
    if (!event.dataTransfer) return
    event.preventDefault()
    depth = 0
    dragging.value = false
    const files = [...event.dataTransfer.files]
    if (files.length) onFiles(files)
  }

  onMounted(() => {
    document.addEventListener('dragenter', onDragEnter)
    document.addEventListener('dragover', onDragOver)
    document.addEventListener('dragleave', onDragLeave)
    document.addEventListener('drop', onDrop)
  })
  onBeforeUnmount(() => {
    document.removeEventListener('dragenter', onDragEnter)
    document.removeEventListener('dragover', onDragOver)
    document.removeEventListener('dragleave', onDragLeave)
    document.removeEventListener('drop', onDrop)
  })

  return { dragging }
}
