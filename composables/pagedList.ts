import type { Ref } from 'vue'
import { toApiFailure } from './apiError'

/** True when a list answer carried a `Link: <…>; rel="next"` header (SPEC §4: there is a next page). */
export function hasNextLink(link: string | null): boolean {
  return !!link && /rel="?next"?/.test(link)
}

/**
 * One page of a cursor-paged list (`?limit&before`, `Link: rel="next"`) as `{page, more}`; failures are
 * thrown as ApiFailure. `fetcher` is `useRequestFetch()` on the server (it forwards the cookie), else `$fetch`.
 */
export async function fetchListPage<T>(fetcher: typeof $fetch, path: string, query: Record<string, string | number | undefined>): Promise<{ page: T[], more: boolean }> {
  let link: string | null = null
  const page = await apiCall(() => fetcher<T[]>(path, {
    query,
    onResponse({ response }) { link = response.headers.get('link') },
  }))
  return { page, more: hasNextLink(link) }
}

/** `$fetch` in the browser; on the server the one that forwards the request's cookie. */
export const pageFetcher = (): typeof $fetch => (import.meta.server ? useRequestFetch() : $fetch) as typeof $fetch

/**
 * Appends the next page of a cursor-paged list whose cursor is the last entry held, skipping entries it
 * already holds. The API answers INVALID_CURSOR when that entry left the list meanwhile (deleted, or
 * removed in another tab): it is gone here too, so it is dropped and paging goes on from the one before
 * (three times at most). When `current()` is false as the page arrives, the list was loaded afresh
 * meanwhile and the page is dropped. Throws what `fetchBefore` throws.
 */
export async function appendNextPage<T extends { id: number }>(
  list: { items: Ref<T[]>, hasMore: Ref<boolean> },
  fetchBefore: (before: number | undefined) => Promise<{ page: T[], more: boolean }>,
  current: () => boolean = () => true,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const { page, more } = await fetchBefore(list.items.value.at(-1)?.id)
      if (!current()) return
      const known = new Set(list.items.value.map(i => i.id))
      list.items.value.push(...page.filter(i => !known.has(i.id)))
      list.hasMore.value = more
      return
    }
    catch (error) {
      if (toApiFailure(error).code !== 'INVALID_CURSOR' || attempt >= 3) throw error
      list.items.value = list.items.value.slice(0, -1)
    }
  }
}
