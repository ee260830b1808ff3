import { useSessionApi } from '~/composables/useSessionApi'
import { fetchListPage, pageFetcher } from '~/composables/pagedList'
import type { CountResponse, TrashItemDto } from '#shared/contracts/images'
import { MAX_BATCH, PAGE_SIZE } from '~/stores/images'

/** The trash page (SPEC §8): trashed photos, most recently deleted first, restore and delete for good. */
export const useTrashStore = defineStore('trash', () => {
  const auth = useAuthStore()
  const images = useImagesStore()

  const items = ref<TrashItemDto[]>([])
  const hasMore = ref(false)
  const loaded = ref(false)
  const loading = ref(false)
  const loadError = ref<ApiFailure | null>(null)
  /** An answer to an older load (before a reload or sign-out) is dropped. */
  let generation = 0
  const { check, call } = useSessionApi()

  /** The first page, fresh (every visit: photos reach the trash from other pages and tabs). */
  async function load(): Promise<void> {
    if (!auth.user) return
    const turn = ++generation
    loading.value = true
    loadError.value = null
    try {
      const { page, more } = await fetchListPage<TrashItemDto>(pageFetcher(), '/api/trash', { limit: PAGE_SIZE })
      if (turn !== generation) return
      items.value = page
      hasMore.value = more
      loaded.value = true
    }
    catch (error) {
      if (turn === generation) loadError.value = check(error)
    }
    finally {
      if (turn === generation) loading.value = false
    }
  }

  async function loadMore(): Promise<void> {
    if (loading.value || !hasMore.value) return
    const turn = generation
    loading.value = true
    loadError.value = null
    try {
      const { page, more } = await fetchListPage<TrashItemDto>($fetch, '/api/trash', { limit: PAGE_SIZE, before: items.value.at(-1)?.id })
      if (turn !== generation) return
      const known = new Set(items.value.map(i => i.id))
      items.value.push(...page.filter(i => !known.has(i.id)))
      hasMore.value = more
    }
    catch (error) {
      if (turn === generation) loadError.value = check(error)
    }
    finally {
      if (turn === generation) loading.value = false
    }
  }

  /** Runs a `{image_ids}` request per 500 ids; the photos done leave the page. Resolves the count. */
  async function eachBatch(ids: number[], request: (slice: number[]) => Promise<CountResponse>): Promise<number> {
    let count = 0
    for (let i = 0; i < ids.length; i += MAX_BATCH) {
      const slice = ids.slice(i, i + MAX_BATCH)
      count += (await call(() => request(slice))).count
      const gone = new Set(slice)
      items.value = items.value.filter(item => !gone.has(item.id))
    }
    return count
  }

  /** Puts photos back in the gallery. Resolves how many; throws ApiFailure (nothing changes on a 404). */
  async function restore(ids: number[]): Promise<number> {
    const count = await eachBatch(ids, slice => $fetch<CountResponse>('/api/trash/restore', { method: 'POST', body: { image_ids: slice } }))
    images.markStale()
    return count
  }

  /** Deletes photos for good (rows and files). */
  function purge(ids: number[]): Promise<number> {
    return eachBatch(ids, slice => $fetch<CountResponse>('/api/trash', { method: 'DELETE', body: { image_ids: slice } }))
  }

  /** Empties the whole trash, also what is not loaded yet. */
  async function empty(): Promise<number> {
    try {
      const { count } = await apiCall(() => $fetch<CountResponse>('/api/trash', { method: 'DELETE', body: { all: true } }))
      generation++
      items.value = []
      hasMore.value = false
      loading.value = false
      return count
    }
    catch (error) {
      throw check(error)
    }
  }

  function reset() {
    generation++
    items.value = []
    hasMore.value = false
    loaded.value = false
    loading.value = false
    loadError.value = null
  }

  return { items, hasMore, loaded, loading, loadError, load, loadMore, restore, purge, empty, reset }
})
