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
