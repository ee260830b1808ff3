import { useSessionApi } from '~/composables/useSessionApi'
import { appendNextPage } from '~/composables/pagedList'
import type { AlbumDto } from '#shared/contracts/albums'
import type { CountResponse, ImageDto } from '#shared/contracts/images'

export const ALBUM_PAGE_SIZE = 40
/** The API's limits (SPEC §8, shared/contracts/imageParams.ts), checked here too so the answer is instant. */
export const ALBUM_TITLE_MAX = 100
export const ALBUM_DESCRIPTION_MAX = 2000

export type AlbumTitleProblem = 'required' | 'tooLong'

/** What is wrong with a title as the API would judge it (1–100 characters after trimming), or null. */
export function albumTitleProblem(title: string): AlbumTitleProblem | null {
  const trimmed = title.trim()
  if (!trimmed) return 'required'
  // The API counts UTF-16 code units (zod's max on a string), so the same measure here.
  if (trimmed.length > ALBUM_TITLE_MAX) return 'tooLong'
  return null
}

export interface AlbumFields { title: string, description?: string }
export interface AlbumPatch { title?: string, description?: string, cover_image_id?: number | null }

/** Recently updated first, as the API lists them. */
const recentFirst = (a: AlbumDto, b: AlbumDto) =>
  a.updated_at === b.updated_at ? b.id - a.id : (a.updated_at < b.updated_at ? 1 : -1)

export const useAlbumsStore = defineStore('albums', () => {
  const auth = useAuthStore()
  /** API calls throw ApiFailure, and a 401 anywhere ends the session. */
  const { call } = useSessionApi()

  // ---- The list of albums (albums page, picker) ----------------------------------------------------
  const albums = ref<AlbumDto[]>([])
  /** Id of the user whose list is loaded (null: nothing loaded yet). */
  const listFor = ref<number | null>(null)
  const listLoading = ref(false)
  const listError = ref<ApiFailure | null>(null)
  const listLoaded = computed(() => listFor.value !== null)
  let listLoad: Promise<void> | undefined

  // ---- The album that is open (album page) ---------------------------------------------------------
  const album = ref<AlbumDto | null>(null)
  const albumError = ref<ApiFailure | null>(null)
  const images = ref<ImageDto[]>([])
  const imagesHasMore = ref(false)
  const imagesLoading = ref(false)
  const imagesError = ref<ApiFailure | null>(null)
  /** Id of the album the API last answered ALBUM_NOT_FOUND for. */
  const missingId = ref<number | null>(null)
  /** Id of the album whose first page of photos is loaded. */
  const imagesFor = ref<number | null>(null)
  let albumLoad: { id: number, done: Promise<void> } | undefined
  /** The album asked for last: an older answer arriving late is dropped. */
  let wanted: number | null = null

  /** Puts a fresh copy of an album everywhere it is shown. */
  function remember(fresh: AlbumDto) {
    const others = albums.value.filter(a => a.id !== fresh.id)
    if (listLoaded.value) albums.value = [...others, fresh].sort(recentFirst)
    if (album.value?.id === fresh.id) album.value = fresh
  }

  function forget(id: number) {
    albums.value = albums.value.filter(a => a.id !== id)
    if (album.value?.id === id) {
      album.value = null
      images.value = []
      imagesFor.value = null
    }
  }

  /** Runs a request about album `id`; an ALBUM_NOT_FOUND answer (deleted in another tab) forgets it here too. Throws ApiFailure. */
  async function aboutAlbum<T>(id: number, request: () => Promise<T>): Promise<T> {
    try {
      return await request()
    }
    catch (error) {
      const failure = toApiFailure(error)
      if (failure.code === 'ALBUM_NOT_FOUND') forget(id)
      throw failure
    }
  }

  /** Albums of the signed-in user, loaded once (from the server render or the first visit). */
  function ensureList(): Promise<void> {
    const userId = auth.user?.id
    if (!userId || listFor.value === userId) return Promise.resolve()
    return fetchList()
  }

  /** Loads the list again (the picker does, as albums change in other tabs). */
  function fetchList(): Promise<void> {
    const userId = auth.user?.id
    if (!userId) return Promise.resolve()
    const get = pageFetcher()
    listLoad ??= (async () => {
      listLoading.value = true
      listError.value = null
      try {
        albums.value = await call(() => get<AlbumDto[]>('/api/albums'))
        listFor.value = userId
      }
      catch (error) {
        listError.value = toApiFailure(error)
      }
      finally {
        listLoading.value = false
        listLoad = undefined
      }
    })()
    return listLoad
  }

  /** Creates an album; throws ApiFailure. */
  async function create(fields: AlbumFields): Promise<AlbumDto> {
    const created = await call(() => $fetch<AlbumDto>('/api/albums', { method: 'POST', body: fields }))
    remember(created)
    return created
  }

  /** Changes the title, description or cover; throws ApiFailure (ALBUM_NOT_FOUND: the album is forgotten). */
  function update(id: number, patch: AlbumPatch): Promise<AlbumDto> {
    return aboutAlbum(id, async () => {
      const fresh = await call(() => $fetch<AlbumDto>(`/api/albums/${id}`, { method: 'PATCH', body: patch }))
      remember(fresh)
      return fresh
    })
  }

  /** Deletes an album (its photos stay in the gallery). Resolves 'deleted', or 'gone' when it was already gone. */
  async function remove(id: number): Promise<'deleted' | 'gone'> {
    let result: 'deleted' | 'gone' = 'deleted'
    try {
      await call(() => $fetch(`/api/albums/${id}`, { method: 'DELETE' }))
    }
    catch (error) {
      if (toApiFailure(error).code !== 'ALBUM_NOT_FOUND') throw error
      result = 'gone'
    }
    forget(id)
    return result
  }

  const fetchImagesPage = (get: typeof $fetch, id: number, before?: number) =>
    call(() => fetchListPage<ImageDto>(get, `/api/albums/${id}/images`, { limit: ALBUM_PAGE_SIZE, before }))

  /** Opens an album: the album and its first page of photos (once per album, unless `force`). */
  function open(id: number, force = false): Promise<void> {
    // Loaded already, or found missing already (e.g. by the server render): nothing to ask again.
    if (!force && ((imagesFor.value === id && album.value?.id === id) || (missingId.value === id && albumError.value))) return Promise.resolve()
    if (albumLoad?.id === id) return albumLoad.done
    wanted = id
    const get = pageFetcher()
    const done = (async () => {
      if (album.value?.id !== id) {
        album.value = albums.value.find(a => a.id === id) ?? null
        images.value = []
        imagesFor.value = null
      }
      albumError.value = null
      imagesError.value = null
      imagesLoading.value = true
      try {
        const [fresh, first] = await Promise.all([
          call(() => get<AlbumDto>(`/api/albums/${id}`)),
          fetchImagesPage(get, id),
        ])
        if (wanted !== id) return // another album was opened meanwhile
        if (missingId.value === id) missingId.value = null
        album.value = fresh
        remember(fresh)
        images.value = first.page
        imagesHasMore.value = first.more
        imagesFor.value = id
      }
      catch (error) {
        const failure = toApiFailure(error)
        if (failure.code === 'ALBUM_NOT_FOUND') {
          forget(id)
          missingId.value = id
        }
        if (wanted === id) albumError.value = failure
      }
      finally {
        imagesLoading.value = false
        if (albumLoad?.id === id) albumLoad = undefined
      }
    })()
    albumLoad = { id, done }
    return done
  }

  /** The next page of the open album's photos; the cursor is the last photo we hold. */
  async function loadMoreImages(): Promise<void> {
    const id = album.value?.id
    if (!id || imagesLoading.value || !imagesHasMore.value) return
    imagesLoading.value = true
    imagesError.value = null
    try {
      await appendNextPage({ items: images, hasMore: imagesHasMore }, before => fetchImagesPage($fetch, id, before))
    }
    catch (error) {
      imagesError.value = toApiFailure(error)
    }
    finally {
      imagesLoading.value = false
    }
  }

  /** Count and cover change with the photos: ask the API rather than guess (the cover rule is its own). */
  async function refreshAlbum(id: number) {
    try {
      await aboutAlbum(id, async () => remember(await call(() => $fetch<AlbumDto>(`/api/albums/${id}`))))
    }
    catch {
      // Any other failure leaves count and cover as they were until the next answer.
    }
  }

  /** Adds photos to an album; resolves how many were new there. Throws ApiFailure. */
  function addImages(id: number, imageIds: number[]): Promise<number> {
    return aboutAlbum(id, async () => {
      const { count } = await call(() => $fetch<CountResponse>(`/api/albums/${id}/images`, { method: 'POST', body: { image_ids: imageIds } }))
      // The open album shows them on its next visit; its first page is stale now.
      if (imagesFor.value === id) imagesFor.value = null
      await refreshAlbum(id)
      return count
    })
  }

  /** Removes photos from an album (never from the gallery); resolves how many were removed. Throws ApiFailure. */
  function removeImages(id: number, imageIds: number[]): Promise<number> {
    return aboutAlbum(id, async () => {
      const { count } = await call(() => $fetch<CountResponse>(`/api/albums/${id}/images`, { method: 'DELETE', body: { image_ids: imageIds } }))
      dropImages(imageIds)
      await refreshAlbum(id)
      return count
    })
  }

  /** Takes photos off the open album's page (removed from it, or moved to the trash elsewhere). */
  function dropImages(imageIds: number[]) {
    const gone = new Set(imageIds)
    images.value = images.value.filter(i => !gone.has(i.id))
  }

  /** Puts a fresh copy of a photo (renamed, favourite changed) in the open album's page. */
  function replaceImage(image: ImageDto) {
    const at = images.value.findIndex(i => i.id === image.id)
    if (at >= 0) images.value[at] = image
  }

  /** Forgets everything (sign-out). */
  function reset() {
    albums.value = []
    listFor.value = null
    listError.value = null
    album.value = null
    albumError.value = null
    missingId.value = null
    images.value = []
    imagesFor.value = null
    imagesHasMore.value = false
    imagesError.value = null
  }

  return {
    albums, listFor, listLoaded, listLoading, listError,
    album, albumError, missingId, imagesFor, images, imagesHasMore, imagesLoading, imagesError,
    ensureList, fetchList, create, update, remove, open, loadMoreImages, refreshAlbum, addImages, removeImages, dropImages, replaceImage, reset,
  }
})
