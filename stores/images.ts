import type { ErrorCode } from '#shared/contracts/errors'
import type { ImageDto } from '#shared/contracts/images'
import { ALLOWED_EXTENSIONS } from '#shared/contracts/images'
import type { FailureCode } from '~/composables/apiError'

export const PAGE_SIZE = 40
export const MAX_PARALLEL_UPLOADS = 3
/** The API's default limit (MAX_CONTENT_LENGTH); checked here too so the answer is instant. */
export const MAX_UPLOAD_BYTES = 16 * 1024 * 1024
export const ACCEPTED_TYPES = '.png,.jpg,.jpeg,.gif,image/png,image/jpeg,image/gif'

export type UploadStatus = 'queued' | 'uploading' | 'processing' | 'done' | 'error'

export interface UploadTask {
  id: number
  name: string
  size: number
  status: UploadStatus
  /** 0–1: share of the bytes sent. */
  progress: number
  error: ApiFailure | null
  /** False when sending the same file again cannot succeed (wrong type, too large …). */
  retryable: boolean
  /** Object URL for a small preview (client only). */
  preview: string | null
}

/** Rejections that depend only on the file itself: retrying would give the same answer. */
const FINAL_CODES = new Set<FailureCode>(['UNSUPPORTED_TYPE', 'FILE_TOO_LARGE', 'EMPTY_FILE', 'INVALID_IMAGE', 'IMAGE_TOO_LARGE', 'NO_FILE'])

const clientFailure = (status: number, code: ErrorCode) => apiFailure(status, { code, message: '' })

/** The API's own checks, done before sending so the answer is instant. */
export function precheckUpload(file: Pick<File, 'name' | 'size'>): ApiFailure | null {
  const dot = file.name.lastIndexOf('.')
  const ext = dot >= 0 ? file.name.slice(dot + 1).toLowerCase() : ''
  if (!(ALLOWED_EXTENSIONS as readonly string[]).includes(ext)) return clientFailure(415, 'UNSUPPORTED_TYPE')
  if (file.size > MAX_UPLOAD_BYTES) return clientFailure(413, 'FILE_TOO_LARGE')
  if (file.size === 0) return clientFailure(400, 'EMPTY_FILE')
  return null
}

/** True when the list answer carried a `Link: <…>; rel="next"` header. */
function hasNextLink(link: string | null): boolean {
  return !!link && /rel="?next"?/.test(link)
}

/** Newest first, as the API lists them: created_at, then id, descending. */
const newerFirst = (a: ImageDto, b: ImageDto) =>
  a.created_at === b.created_at ? b.id - a.id : (a.created_at < b.created_at ? 1 : -1)

export const useImagesStore = defineStore('images', () => {
  const auth = useAuthStore()

  const items = ref<ImageDto[]>([])
  const hasMore = ref(false)
  /** Id of the user whose first page is loaded (null: nothing loaded yet). */
  const loadedFor = ref<number | null>(null)
  const loading = ref(false)
  const loadError = ref<ApiFailure | null>(null)
  const uploads = ref<UploadTask[]>([])

  let firstLoad: Promise<void> | undefined
  let nextTaskId = 1
  const files = new Map<number, File>()
  const controllers = new Map<number, AbortController>()

  const loaded = computed(() => loadedFor.value !== null)
  const activeUploads = computed(() => uploads.value.filter(t => t.status === 'uploading' || t.status === 'processing' || t.status === 'queued').length)

  /** A 401 anywhere means the session is gone. */
  function check(failure: ApiFailure): ApiFailure {
    if (failure.status === 401 && auth.user) auth.endSession('expired')
    return failure
  }

  async function fetchPage(fetcher: typeof $fetch, before?: number) {
    let link: string | null = null
    const page = await apiCall(() => fetcher<ImageDto[]>('/api/images', {
      query: before ? { limit: PAGE_SIZE, before } : { limit: PAGE_SIZE },
      onResponse({ response }) { link = response.headers.get('link') },
    }))
    return { page, more: hasNextLink(link) }
  }

  /** Loads the first page for the signed-in user unless it is already there (e.g. from the server render). */
  function ensureLoaded(): Promise<void> {
    const userId = auth.user?.id
    if (!userId || loadedFor.value === userId) return Promise.resolve()
    const fetcher = import.meta.server ? useRequestFetch() : $fetch
    firstLoad ??= (async () => {
      loading.value = true
      loadError.value = null
      try {
        const { page, more } = await fetchPage(fetcher as typeof $fetch)
        items.value = page
        hasMore.value = more
        loadedFor.value = userId
      }
      catch (error) {
        loadError.value = check(toApiFailure(error))
      }
      finally {
        loading.value = false
        firstLoad = undefined
      }
    })()
    return firstLoad
  }

  /** Next page: the cursor is the oldest image we hold (uploads and deletes keep that valid). */
  async function loadMore(): Promise<void> {
    if (loading.value) return
    if (!loaded.value) return ensureLoaded()
    if (!hasMore.value) return
    loading.value = true
    loadError.value = null
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          const { page, more } = await fetchPage($fetch, items.value.at(-1)?.id)
          const known = new Set(items.value.map(i => i.id))
          items.value.push(...page.filter(i => !known.has(i.id)))
          hasMore.value = more
          return
        }
        catch (error) {
          // The API answers INVALID_CURSOR when the cursor image was deleted meanwhile (another tab):
          // it is gone, so drop it and page on from the one before.
          if (toApiFailure(error).code !== 'INVALID_CURSOR' || attempt >= 3) throw error
          items.value = items.value.slice(0, -1)
        }
      }
    }
    catch (error) {
      loadError.value = check(toApiFailure(error))
    }
    finally {
      loading.value = false
    }
  }

  function insert(image: ImageDto) {
    if (items.value.some(i => i.id === image.id)) return
    const at = items.value.findIndex(i => newerFirst(image, i) < 0)
    if (at === -1) items.value.push(image)
    else items.value.splice(at, 0, image)
  }

  /**
   * Deletes an image optimistically: it leaves the grid at once and comes back if the API refuses.
   * Resolves 'deleted', or 'gone' when it had already been deleted elsewhere; throws ApiFailure otherwise.
   */
  async function remove(id: number): Promise<'deleted' | 'gone'> {
    const image = items.value.find(i => i.id === id)
    if (!image) return 'gone'
    items.value = items.value.filter(i => i.id !== id)
    try {
      await apiCall(() => $fetch(`/api/images/delete/${id}`, { method: 'DELETE' }))
      return 'deleted'
    }
    catch (error) {
      const failure = check(toApiFailure(error))
      if (failure.code === 'IMAGE_NOT_FOUND') return 'gone'
      insert(image)
      throw failure
    }
  }

  // ---- Upload queue -------------------------------------------------------------------------------

  /** Adds files to the queue; each is checked at once and sent when one of the parallel slots is free. */
  function enqueue(list: Iterable<File>) {
    for (const file of list) {
      const problem = precheckUpload(file)
      const id = nextTaskId++
      uploads.value.push({
        id,
        name: file.name,
        size: file.size,
        status: problem ? 'error' : 'queued',
        progress: 0,
        error: problem,
        retryable: false,
        preview: !problem && import.meta.client && file.type.startsWith('image/') ? URL.createObjectURL(file) : null,
      })
      if (!problem) files.set(id, file)
    }
    pump()
  }

  function pump() {
    let running = uploads.value.filter(t => t.status === 'uploading' || t.status === 'processing').length
    for (const task of uploads.value) {
      if (running >= MAX_PARALLEL_UPLOADS) break
      if (task.status !== 'queued') continue
      running++
      void send(task)
    }
  }

  async function send(task: UploadTask) {
    const file = files.get(task.id)
    if (!file) return
    // `task` must be the reactive proxy from the array for the UI to follow along.
    const live = uploads.value.find(t => t.id === task.id)!
    const controller = new AbortController()
    controllers.set(live.id, controller)
    live.status = 'uploading'
    live.progress = 0
    live.error = null
    try {
      const { image } = await uploadRequest(file, {
        onProgress: (fraction) => { live.progress = fraction },
        onSent: () => {
          live.progress = 1
          live.status = 'processing'
        },
        signal: controller.signal,
      })
      live.status = 'done'
      live.progress = 1
      files.delete(live.id)
      insert(image)
    }
    catch (error) {
      const failure = check(toApiFailure(error))
      if (failure.code === 'ABORTED') return // cancelled: the task is already gone from the queue
      live.status = 'error'
      live.error = failure
      live.retryable = !FINAL_CODES.has(failure.code)
    }
    finally {
      controllers.delete(live.id)
      pump()
    }
  }

  function retry(id: number) {
    const task = uploads.value.find(t => t.id === id)
    if (!task || task.status !== 'error' || !files.has(id)) return
    task.status = 'queued'
    task.error = null
    task.progress = 0
    pump()
  }

  /** Removes a task from the queue, cancelling it when it is being sent. */
  function dismiss(id: number) {
    controllers.get(id)?.abort()
    const task = uploads.value.find(t => t.id === id)
    if (task?.preview) URL.revokeObjectURL(task.preview)
    files.delete(id)
    uploads.value = uploads.value.filter(t => t.id !== id)
    pump()
  }

  /** Empties the queue of everything that is not waiting or being sent. */
  function clearFinished() {
    for (const task of uploads.value) {
      if (task.status === 'done' || task.status === 'error') dismiss(task.id)
    }
  }

  /** Forgets everything (sign-out): running uploads are cancelled. */
  function reset() {
    for (const task of uploads.value) dismiss(task.id)
    items.value = []
    hasMore.value = false
    loadedFor.value = null
    loadError.value = null
  }

  return {
    items, hasMore, loadedFor, loading, loadError, uploads, loaded, activeUploads,
    ensureLoaded, loadMore, remove, enqueue, retry, dismiss, clearFinished, reset,
  }
})
