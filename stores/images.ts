import { useSessionApi } from '~/composables/useSessionApi'
import { appendNextPage, fetchListPage, pageFetcher } from '~/composables/pagedList'
import { newerFirst } from '~/composables/useTimeline'
import type { ErrorCode } from '#shared/contracts/errors'
import type { BatchAction, CountResponse, ImageDto, ImageSort } from '#shared/contracts/images'
import { ALLOWED_EXTENSIONS } from '#shared/contracts/images'
import type { FailureCode } from '~/composables/apiError'
import type { UploadFailure } from '~/composables/uploadRequest'

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
  /** Width / height, read from the file before it is sent: the grid reserves a tile of that shape. */
  ratio: number | null
  /** 409 DUPLICATE_IMAGE: the user's photo with the same bytes (maybe in the trash). */
  duplicate: { imageId: number, inTrash: boolean } | null
}

/** A tile the grid keeps free for a file being uploaded (see `reserved`). */
export interface ReservedTile { id: number, ratio: number, preview: string | null }

/** The shape of a picture file, as the browser shows it (EXIF rotation applied); 1 when it cannot tell. */
async function readRatio(file: File): Promise<number> {
  try {
    const bitmap = await createImageBitmap(file)
    const ratio = bitmap.width / bitmap.height
    bitmap.close()
    return Number.isFinite(ratio) && ratio > 0 ? ratio : 1
  }
  catch {
    return 1
  }
}

/** Rejections that depend only on the file itself: retrying would give the same answer. */
const FINAL_CODES = new Set<FailureCode>(['QUOTA_EXCEEDED', 'UNSUPPORTED_TYPE', 'FILE_TOO_LARGE', 'EMPTY_FILE', 'INVALID_IMAGE', 'IMAGE_TOO_LARGE', 'NO_FILE', 'DUPLICATE_IMAGE'])

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

/** The API takes at most this many ids per request (SPEC §8). */
export const MAX_BATCH = 500

/** What the gallery shows: the API's list filters (SPEC §8). */
export interface ImageFilters {
  sort: ImageSort
  favorite: boolean
  /** Part of the file name; '' for all. */
  q: string
}

export const DEFAULT_FILTERS: Readonly<ImageFilters> = { sort: 'taken', favorite: false, q: '' }

/** A refused blob request: its JSON error body arrived as a Blob, so read it before translating. */
async function blobFailure(error: unknown): Promise<ApiFailure> {
  const failure = toApiFailure(error)
  const data = (error as { data?: unknown } | undefined)?.data
  if (!(data instanceof Blob)) return failure
  try {
    return apiFailure(failure.status, JSON.parse(await data.text()))
  }
  catch {
    return failure
  }
}

/** `ids` in slices the API accepts. */
function batches(ids: number[]): number[][] {
  const out: number[][] = []
  for (let i = 0; i < ids.length; i += MAX_BATCH) out.push(ids.slice(i, i + MAX_BATCH))
  return out
}

export const useImagesStore = defineStore('images', () => {
  const auth = useAuthStore()
  /** API failures as ApiFailure; a 401 anywhere ends the session. */
  const { check, call } = useSessionApi()

  const items = ref<ImageDto[]>([])
  const filters = ref<ImageFilters>({ ...DEFAULT_FILTERS })
  const hasMore = ref(false)
  /** Id of the user whose first page is loaded (null: nothing loaded yet). */
  const loadedFor = ref<number | null>(null)
  const loading = ref(false)
  /** A first page is loading while another list is shown (other filters): the grid dims, no skeleton. */
  const refreshing = ref(false)
  const loadError = ref<ApiFailure | null>(null)
  const uploads = ref<UploadTask[]>([])
  /** The photo a link opened when it is not in `items` (see fetchOne). */
  const opened = ref<ImageDto | null>(null)

  let firstLoad: Promise<void> | undefined
  /** Bumped by every new first load (other filters, a refresh): answers of an older one are dropped. */
  let generation = 0
  /** The list changed elsewhere (photos restored from the trash): load it again on the next visit. */
  let stale = false
  /** The newest favourite change per photo: a late failure of an older one must not undo a newer one. */
  const favoriteTurns = new Map<number, number>()
  let nextTurn = 1
  let nextTaskId = 1
  const files = new Map<number, File>()
  /** Per task: when its batch's shapes are known (and its tiles reserved). */
  const shapesKnown = new Map<number, Promise<void>>()
  const controllers = new Map<number, AbortController>()

  const loaded = computed(() => loadedFor.value !== null)
  /**
   * Tiles the grid keeps free at its top for the files being sent, newest-to-be first (the order the API
   * will list them in), so the grid does not jump as each one arrives. None while a filter is on: the new
   * photos may not belong to the list shown.
   */
  const reserved = computed<ReservedTile[]>(() => {
    if (filters.value.favorite || filters.value.q.trim()) return []
    return uploads.value
      .filter(t => (t.status === 'queued' || t.status === 'uploading' || t.status === 'processing') && t.ratio !== null)
      .map(t => ({ id: t.id, ratio: t.ratio!, preview: t.preview }))
      .reverse()
  })
  const activeUploads = computed(() => uploads.value.filter(t => t.status === 'uploading' || t.status === 'processing' || t.status === 'queued').length)

  function fetchPage(fetcher: typeof $fetch, before?: number) {
    const { sort, favorite, q } = filters.value
    return fetchListPage<ImageDto>(fetcher, '/api/images', {
      limit: PAGE_SIZE,
      before,
      sort,
      favorite: favorite ? 'true' : undefined,
      q: q.trim() || undefined,
    })
  }

  /** Loads the first page with the current filters; the grid keeps what it shows until the answer comes. */
  function loadFirst(): Promise<void> {
    const userId = auth.user?.id
    if (!userId) return Promise.resolve()
    const fetcher = pageFetcher()
    const turn = ++generation
    firstLoad = (async () => {
      loading.value = true
      refreshing.value = loadedFor.value !== null
      loadError.value = null
      try {
        const { page, more } = await fetchPage(fetcher)
        if (turn !== generation) return
        items.value = page
        hasMore.value = more
        loadedFor.value = userId
        stale = false
      }
      catch (error) {
        if (turn === generation) loadError.value = check(error)
      }
      finally {
        if (turn === generation) {
          loading.value = false
          refreshing.value = false
          firstLoad = undefined
        }
      }
    })()
    return firstLoad
  }

  /** Loads the first page for the signed-in user unless it is already there (e.g. from the server render). */
  function ensureLoaded(): Promise<void> {
    const userId = auth.user?.id
    if (!userId || (loadedFor.value === userId && !stale)) return Promise.resolve()
    return firstLoad ?? loadFirst()
  }

  /** Shows the list with other filters (sort, favourites, search): from its first page again. */
  function setFilters(change: Partial<ImageFilters>): Promise<void> {
    const next = { ...filters.value, ...change }
    if (next.sort === filters.value.sort && next.favorite === filters.value.favorite && next.q.trim() === filters.value.q.trim()) {
      filters.value = next
      return firstLoad ?? Promise.resolve()
    }
    filters.value = next
    return loadFirst()
  }

  /** Told after this tab uploaded, deleted or restored photos (the other tabs load their list again). */
  let onChange: (() => void) | undefined
  function onChanged(listener: () => void) {
    onChange = listener
  }

  /**
   * Loads the first page again (the list changed in another tab) and keeps what was loaded below it, so
   * the grid does not shrink under the reader. Not loaded yet: the next visit loads it anyway.
   */
  async function refresh(): Promise<void> {
    if (!loaded.value) {
      stale = true
      return
    }
    if (firstLoad || loading.value) return
    const turn = generation
    try {
      const { page, more } = await fetchPage($fetch)
      if (turn !== generation) return
      const last = page.at(-1)
      const compare = newerFirst(filters.value.sort)
      const ids = new Set(page.map(i => i.id))
      const below = more && last ? items.value.filter(i => !ids.has(i.id) && compare(i, last) > 0) : []
      items.value = [...page, ...below]
      if (!below.length) hasMore.value = more
    }
    catch (error) {
      check(error)
    }
  }

  /** The list changed behind our back: the next visit of the gallery loads it again. */
  function markStale() {
    stale = true
  }

  /** Next page: the cursor is the oldest image we hold (uploads and deletes keep that valid). */
  async function loadMore(): Promise<void> {
    if (loading.value) return
    if (!loaded.value) return ensureLoaded()
    if (!hasMore.value) return
    const turn = generation
    loading.value = true
    loadError.value = null
    try {
      await appendNextPage({ items, hasMore }, before => fetchPage($fetch, before), () => turn === generation)
    }
    catch (error) {
      if (turn === generation) loadError.value = check(error)
    }
    finally {
      if (turn === generation) loading.value = false
    }
  }

  /** Whether the list as filtered now would show this photo. */
  function matches(image: ImageDto): boolean {
    const q = filters.value.q.trim().toLowerCase()
    return (!filters.value.favorite || image.favorite) && (!q || image.filename.toLowerCase().includes(q))
  }

  /** Puts a photo where the API would list it (uploads, undone deletes), unless the filters hide it. */
  function insert(image: ImageDto) {
    if (items.value.some(i => i.id === image.id) || !matches(image)) return
    const compare = newerFirst(filters.value.sort)
    const at = items.value.findIndex(i => compare(image, i) < 0)
    // Older than everything we hold while more pages remain: it will come with its own page.
    if (at === -1 && hasMore.value) return
    if (at === -1) items.value.push(image)
    else items.value.splice(at, 0, image)
  }

  /**
   * Moves an image to the trash optimistically: it leaves the grid at once and comes back if the API refuses.
   * Resolves 'deleted', or 'gone' when it had already been deleted elsewhere; throws ApiFailure otherwise.
   */
  async function remove(id: number): Promise<'deleted' | 'gone'> {
    const image = items.value.find(i => i.id === id) ?? (opened.value?.id === id ? opened.value : undefined)
    if (!image) return 'gone'
    items.value = items.value.filter(i => i.id !== id)
    if (opened.value?.id === id) opened.value = null
    try {
      await apiCall(() => $fetch(`/api/images/delete/${id}`, { method: 'DELETE' }))
      onChange?.()
      return 'deleted'
    }
    catch (error) {
      const failure = check(error)
      if (failure.code === 'IMAGE_NOT_FOUND') return 'gone'
      insert(image)
      throw failure
    }
  }

  /** Puts a fresh copy of a photo (an API answer) in the list. */
  function replace(image: ImageDto) {
    const at = items.value.findIndex(i => i.id === image.id)
    if (at >= 0) items.value[at] = image
    if (opened.value?.id === image.id) opened.value = image
  }

  function applyFavorite(ids: Iterable<number>, favorite: boolean) {
    const set = new Set(ids)
    items.value = items.value.map(i => (set.has(i.id) && i.favorite !== favorite ? { ...i, favorite } : i))
    if (opened.value && set.has(opened.value.id)) opened.value = { ...opened.value, favorite }
  }

  /**
   * Marks photos as favourites or not, at once on screen; puts back what the API refused and throws
   * ApiFailure. One photo goes through PATCH, several through the batch route (atomic per 500).
   */
  async function setFavorite(ids: number[], favorite: boolean): Promise<void> {
    if (!ids.length) return
    const before = new Map(items.value.filter(i => ids.includes(i.id)).map(i => [i.id, i.favorite]))
    const turn = nextTurn++
    for (const id of ids) favoriteTurns.set(id, turn)
    applyFavorite(ids, favorite)
    const done: number[] = []
    try {
      if (ids.length === 1) {
        const fresh = await apiCall(() => $fetch<ImageDto>(`/api/images/${ids[0]}`, { method: 'PATCH', body: { favorite } }))
        if (favoriteTurns.get(fresh.id) === turn) replace(fresh)
      }
      else {
        for (const slice of batches(ids)) {
          await batch(favorite ? 'favorite' : 'unfavorite', slice)
          done.push(...slice)
        }
      }
    }
    catch (error) {
      const failure = check(error)
      const failed = new Set(ids.filter(id => !done.includes(id) && favoriteTurns.get(id) === turn))
      for (const [id, was] of before) {
        if (failed.has(id)) applyFavorite([id], was)
      }
      throw failure
    }
  }

  function batch(action: BatchAction, ids: number[]) {
    return apiCall(() => $fetch<CountResponse>('/api/images/batch', { method: 'POST', body: { action, image_ids: ids } }))
  }

  /**
   * Moves photos to the trash (POST /api/images/batch, atomic per 500): they leave the list at once and
   * come back if the API refuses. Resolves the photos moved (for an Undo); throws ApiFailure.
   */
  async function trash(ids: number[]): Promise<ImageDto[]> {
    const wanted = new Set(ids)
    const leaving = items.value.filter(i => wanted.has(i.id))
    items.value = items.value.filter(i => !wanted.has(i.id))
    const moved: ImageDto[] = []
    try {
      for (const slice of batches(ids)) {
        await batch('trash', slice)
        const sliceSet = new Set(slice)
        moved.push(...leaving.filter(i => sliceSet.has(i.id)))
      }
      onChange?.()
      return moved
    }
    catch (error) {
      const failure = check(error)
      const movedIds = new Set(moved.map(i => i.id))
      for (const image of leaving) if (!movedIds.has(image.id)) insert(image)
      throw failure
    }
  }

  /** Takes photos back out of the trash (Undo) and shows them where they belong. Throws ApiFailure. */
  async function restore(images: ImageDto[]): Promise<void> {
    for (const slice of batches(images.map(i => i.id))) {
      await call(() => $fetch<CountResponse>('/api/trash/restore', { method: 'POST', body: { image_ids: slice } }))
    }
    for (const image of images) insert(image)
    onChange?.()
  }

  /**
   * A photo opened by its link (/photos/<id>) that the loaded pages do not hold: fetched on its own,
   * on the server with the request's cookie. Resolves null when it is not the user's live photo.
   */
  async function fetchOne(id: number): Promise<ImageDto | null> {
    if (opened.value?.id === id) return opened.value
    try {
      const image = await pageFetcher()<ImageDto>(`/api/images/${id}`)
      opened.value = image
      return image
    }
    catch (error) {
      const failure = check(error)
      if (failure.status === 404 || failure.status === 400) return null
      throw failure
    }
  }

  /** Renames a photo (PATCH); resolves the API's copy, throws ApiFailure (INVALID_FILENAME …). */
  async function rename(id: number, filename: string): Promise<ImageDto> {
    try {
      const fresh = await apiCall(() => $fetch<ImageDto>(`/api/images/${id}`, { method: 'PATCH', body: { filename } }))
      replace(fresh)
      return fresh
    }
    catch (error) {
      throw check(error)
    }
  }

  /**
   * Downloads the originals of up to 500 photos as one zip, streamed by the server. Same-origin fetch
   * with the session cookie (the CSRF check accepts it); the browser saves the blob. Throws ApiFailure.
   */
  async function downloadZip(ids: number[]): Promise<void> {
    let disposition: string | null = null
    let blob: Blob
    try {
      blob = await $fetch<Blob>('/api/images/download', {
        method: 'POST',
        body: { image_ids: ids },
        responseType: 'blob',
        onResponse({ response }) { disposition = response.headers.get('content-disposition') },
      })
    }
    catch (error) {
      throw check(await blobFailure(error))
    }
    const name = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition ?? '')?.[1]
    const link = document.createElement('a')
    link.href = URL.createObjectURL(blob)
    link.download = name ? decodeURIComponent(name) : `photos-${new Date().toISOString().slice(0, 10)}.zip`
    document.body.append(link)
    link.click()
    link.remove()
    // Revoked later: the download reads the blob after click() returns.
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000)
  }

  // ---- Upload queue -------------------------------------------------------------------------------

  /** Adds files to the queue; each is checked at once and sent when one of the parallel slots is free. */
  /**
   * Bytes the user's quota still allows, less what is queued or on its way (SPEC §10): a file that
   * cannot fit is refused before it is sent. Infinity without a quota.
   */
  function quotaLeft(): number {
    const me = useAuthStore().user
    if (!me || me.quota_bytes === null || me.quota_bytes === undefined) return Number.POSITIVE_INFINITY
    const pending = uploads.value.filter(t => t.status === 'queued' || t.status === 'uploading' || t.status === 'processing').reduce((sum, t) => sum + t.size, 0)
    return me.quota_bytes - me.bytes_used - pending
  }

  function enqueue(list: Iterable<File>) {
    const shapes: Array<Promise<readonly [number, number]>> = []
    const batchIds: number[] = []
    for (const file of list) {
      const problem = precheckUpload(file) ?? (file.size > quotaLeft() ? clientFailure(413, 'QUOTA_EXCEEDED') : null)
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
        ratio: null,
        duplicate: null,
      })
      if (problem) continue
      files.set(id, file)
      if (import.meta.client) {
        shapes.push(readRatio(file).then(ratio => [id, ratio] as const))
        batchIds.push(id)
      }
    }
    // The batch's tiles are reserved together once every shape is known: the grid moves once, not per file.
    if (shapes.length) {
      const known = Promise.all(shapes).then((ratios) => {
        for (const [id, ratio] of ratios) {
          const task = uploads.value.find(t => t.id === id)
          if (task) task.ratio = ratio
        }
      })
      // A file that arrives before its batch's tiles are reserved waits for them: one move, not two.
      for (const id of batchIds) shapesKnown.set(id, known)
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
      await shapesKnown.get(live.id)
      shapesKnown.delete(live.id)
      // In one go with the tile it was reserved: the grid does not move.
      live.status = 'done'
      live.progress = 1
      files.delete(live.id)
      const me = useAuthStore().user
      if (me) me.bytes_used += image.size
      insert(image)
      onChange?.()
    }
    catch (error) {
      const failure = check(error)
      if (failure.code === 'ABORTED') return // cancelled: the task is already gone from the queue
      live.status = 'error'
      live.error = failure
      live.retryable = !FINAL_CODES.has(failure.code)
      live.duplicate = (failure as UploadFailure).duplicate ?? null
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

  /**
   * Takes the photo a duplicate upload found out of the trash (POST /api/trash/restore) and shows it in
   * the list; resolves its id. Throws ApiFailure.
   */
  async function restoreDuplicate(taskId: number): Promise<number | null> {
    const task = uploads.value.find(t => t.id === taskId)
    const duplicate = task?.duplicate
    if (!duplicate) return null
    if (duplicate.inTrash) {
      await call(() => $fetch<CountResponse>('/api/trash/restore', { method: 'POST', body: { image_ids: [duplicate.imageId] } }))
      duplicate.inTrash = false
      const image = await fetchOne(duplicate.imageId)
      if (image) insert(image)
      onChange?.()
    }
    return duplicate.imageId
  }

  /** Removes a task from the queue, cancelling it when it is being sent. */
  function dismiss(id: number) {
    controllers.get(id)?.abort()
    const task = uploads.value.find(t => t.id === id)
    if (task?.preview) URL.revokeObjectURL(task.preview)
    files.delete(id)
    shapesKnown.delete(id)
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
    generation++
    firstLoad = undefined
    items.value = []
    opened.value = null
    filters.value = { ...DEFAULT_FILTERS }
    hasMore.value = false
    loadedFor.value = null
    loading.value = false
    refreshing.value = false
    loadError.value = null
  }

  return {
    items, filters, hasMore, loadedFor, loading, refreshing, loadError, uploads, loaded, activeUploads, opened, reserved,
    ensureLoaded, setFilters, markStale, loadMore, fetchOne, restoreDuplicate, refresh, onChanged, remove, trash, restore, setFavorite, rename, replace, downloadZip,
    enqueue, retry, dismiss, clearFinished, reset,
  }
})
