import { useSessionApi } from '~/composables/useSessionApi'
import type { ShareCreatedDto, ShareDto, SharedImageDto, SharedViewDto, ShareTarget } from '#shared/contracts/shares'

/** Photos per page of a shared album. */
export const SHARED_PAGE_SIZE = 60
/** The API's bounds (SPEC §9, shared/contracts/shares.ts), checked here too so the answer is instant. */
export const SHARE_PASSWORD_MIN = 8
export const SHARE_PASSWORD_MAX = 128
export const SHARE_EXPIRES_MAX_DAYS = 365

export interface ShareOptions { expiresIn: number, password?: string, allowDownload: boolean }

/**
 * Share links: the owner's side (make, list, revoke: the Share dialog and the "Shared links" page)
 * and a stranger's (the public `/s/<token>` page: view, pages, unlock).
 */
export const useSharesStore = defineStore('shares', () => {
  /** On the owner's side only: a 401 there means the session is gone. */
  const { check } = useSessionApi()

  // ---- The owner's links ----------------------------------------------------------------------------
  const links = ref<ShareDto[]>([])
  const linksLoading = ref(false)
  const linksError = ref<ApiFailure | null>(null)
  const linksLoaded = ref(false)

  // Forwards the request's cookie while the page renders on the server (the links page loads them
  // there): a bare $fetch would go without it, answer 401 and sign the visitor out.
  const requestFetch = useRequestFetch()

  async function loadLinks(): Promise<void> {
    linksLoading.value = true
    linksError.value = null
    try {
      links.value = await requestFetch<ShareDto[]>('/api/shares')
      linksLoaded.value = true
    }
    catch (error) { linksError.value = check(error) }
    finally { linksLoading.value = false }
  }

  /** Makes a link; throws an ApiFailure. */
  async function create(target: ShareTarget, options: ShareOptions): Promise<ShareCreatedDto> {
    const body = {
      [target.kind === 'album' ? 'album_id' : 'image_id']: target.id,
      expires_in: options.expiresIn,
      allow_download: options.allowDownload,
      ...(options.password ? { password: options.password } : {}),
    }
    try {
      const share = await $fetch<ShareCreatedDto>('/api/shares', { method: 'POST', body })
      if (linksLoaded.value) void loadLinks()
      return share
    }
    catch (error) { throw check(error) }
  }

  /** Ends a link at once; throws an ApiFailure. */
  async function revoke(id: number): Promise<void> {
    try {
      await $fetch(`/api/shares/${id}`, { method: 'DELETE' })
      const link = links.value.find(l => l.id === id)
      if (link) link.status = 'ended'
    }
    catch (error) { throw check(error) }
  }

  // ---- A share opened by anyone (public page) --------------------------------------------------------
  const shared = ref<SharedViewDto | null>(null)
  const sharedToken = ref<string | null>(null)
  const sharedError = ref<ApiFailure | null>(null)
  const sharedHasMore = ref(false)
  const sharedLoadingMore = ref(false)

  /** The first page of a share (server-rendered: the share's cookie is forwarded). */
  async function openShared(token: string): Promise<void> {
    sharedToken.value = token
    try {
      const view = await requestFetch<SharedViewDto>(`/api/s/${token}`, { query: { limit: SHARED_PAGE_SIZE } })
      shared.value = view
      sharedError.value = null
      sharedHasMore.value = view.images.length === SHARED_PAGE_SIZE
    }
    catch (error) {
      shared.value = null
      sharedError.value = toApiFailure(error)
    }
  }

  async function moreShared(): Promise<void> {
    const view = shared.value
    const last = view?.images.at(-1)
    if (!view || !last || !sharedToken.value || sharedLoadingMore.value) return
    sharedLoadingMore.value = true
    try {
      const next = await $fetch<SharedViewDto>(`/api/s/${sharedToken.value}`, { query: { limit: SHARED_PAGE_SIZE, before: last.id } })
      const known = new Set(view.images.map(i => i.id))
      view.images.push(...next.images.filter((i: SharedImageDto) => !known.has(i.id)))
      sharedHasMore.value = next.images.length === SHARED_PAGE_SIZE
    }
    catch (error) { sharedError.value = toApiFailure(error) }
    finally { sharedLoadingMore.value = false }
  }

  /** Gives the share's password; on success the share opens. Throws an ApiFailure. */
  async function unlockShared(password: string): Promise<void> {
    const token = sharedToken.value
    if (!token) return
    try { await $fetch(`/api/s/${token}/unlock`, { method: 'POST', body: { password } }) }
    catch (error) { throw toApiFailure(error) }
    await openShared(token)
  }

  return {
    links, linksLoading, linksError, linksLoaded, loadLinks, create, revoke,
    shared, sharedToken, sharedError, sharedHasMore, sharedLoadingMore, openShared, moreShared, unlockShared,
  }
})
