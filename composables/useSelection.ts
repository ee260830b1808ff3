/**
 * Multi-select over an ordered list of ids: select mode, toggling, Shift ranges from the last toggled
 * photo (the anchor), and pruning of ids that left the list (trashed here or elsewhere).
 */
export function useSelection(ids: () => number[]) {
  const selecting = ref(false)
  const selected = ref(new Set<number>())
  let anchor: number | null = null

  const count = computed(() => selected.value.size)
  /** The selected ids in list order. */
  const selectedIds = computed(() => ids().filter(id => selected.value.has(id)))

  /** Toggles one photo (entering select mode), or with `range` selects everything from the anchor to it. */
  function toggle(id: number, range = false) {
    selecting.value = true
    const next = new Set(selected.value)
    const list = ids()
    const from = range && anchor !== null ? list.indexOf(anchor) : -1
    const to = list.indexOf(id)
    if (from >= 0 && to >= 0) {
      for (let i = Math.min(from, to); i <= Math.max(from, to); i++) next.add(list[i]!)
    }
    else if (next.has(id)) next.delete(id)
    else next.add(id)
    anchor = id
    selected.value = next
  }

  function start() {
    selecting.value = true
  }

  /** Empties the selection and leaves select mode. */
  function clear() {
    selected.value = new Set()
    selecting.value = false
    anchor = null
  }

  watch(() => ids(), (list) => {
    const present = new Set(list)
    if ([...selected.value].every(id => present.has(id))) return
    selected.value = new Set([...selected.value].filter(id => present.has(id)))
    if (anchor !== null && !present.has(anchor)) anchor = null
  })

  return { selecting, selected, count, selectedIds, toggle, start, clear }
}

export type Selection = ReturnType<typeof useSelection>

/**
 * A press held still on a touch screen for `delay` ms (mouse and pen are left alone). The click the
 * browser may send when the finger lifts is reported by `swallowClick()` so it does not also toggle.
 */
export function useLongPress(onPress: (target: EventTarget | null) => void, delay = 500) {
  let timer: ReturnType<typeof setTimeout> | undefined
  let start: { x: number, y: number } | null = null
  let fired = false
  let touch = false

  function cancel() {
    clearTimeout(timer)
    start = null
  }
  function down(event: PointerEvent) {
    fired = false
    touch = event.pointerType === 'touch'
    if (!touch) return
    start = { x: event.clientX, y: event.clientY }
    const target = event.currentTarget
    timer = setTimeout(() => {
      fired = true
      start = null
      onPress(target)
    }, delay)
  }
  function move(event: PointerEvent) {
    // A finger that travels is scrolling, not pressing.
    if (start && Math.hypot(event.clientX - start.x, event.clientY - start.y) > 10) cancel()
  }
  /** True once after a long press: the click that follows belongs to it. */
  function swallowClick(): boolean {
    const was = fired
    fired = false
    return was
  }
  /** The touch browser's own long-press menu (save image, open link) would cover the selection. */
  function onContextMenu(event: Event) {
    if (touch) event.preventDefault()
  }

  onBeforeUnmount(cancel)
  return { down, move, up: cancel, cancel, swallowClick, onContextMenu }
}

/**
 * Esc runs `leave` (out of select mode) while `active()`. An open dialog, or whatever already used the key
 * (a form field, the viewer), takes its own Esc first.
 */
export function useEscapeToLeave(active: () => boolean, leave: () => void) {
  function onKeydown(event: KeyboardEvent) {
    if (event.key !== 'Escape' || !active() || event.defaultPrevented || document.querySelector('dialog[open]')) return
    leave()
  }
  onMounted(() => document.addEventListener('keydown', onKeydown))
  onBeforeUnmount(() => document.removeEventListener('keydown', onKeydown))
}
