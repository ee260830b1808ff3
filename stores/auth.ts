import type { MeDto } from '#shared/contracts/auth'

/** Refresh this long before the token expires (or halfway through a shorter lifetime). */
const REFRESH_MARGIN_MS = 2 * 60_000
const MIN_REFRESH_DELAY_MS = 5_000
const RETRY_DELAY_MS = 30_000

/** What login sends; `totp` or `recovery_code` for an account with two-factor sign-in (SPEC §10). */
export interface Credentials { username: string, password: string, totp?: string, recovery_code?: string }

/** Why the session ended, so the sign-in page can say so. */
export type SessionEnd = 'signed-out' | 'expired'

export const useAuthStore = defineStore('auth', () => {
  const user = ref<MeDto | null>(null)
  /** Milliseconds the token had left when /api/me answered, measured on the server's clock (immune to client clock skew). */
  const tokenMsLeft = ref<number | null>(null)
  const loaded = ref(false)
  const sessionEnd = ref<SessionEnd | null>(null)

  /** Told when this tab signs in or out (the other tabs follow, see plugins/tabSync.client.ts). */
  const sessionListeners: Array<(change: 'signed-in' | 'signed-out') => void> = []
  function onSessionChange(listener: (change: 'signed-in' | 'signed-out') => void) {
    sessionListeners.push(listener)
  }
  const announce = (change: 'signed-in' | 'signed-out') => { for (const listener of sessionListeners) listener(change) }

  let refreshTimer: ReturnType<typeof setTimeout> | undefined
  let refreshDueAt = 0
  let refreshing: Promise<void> | undefined

  /**
   * Loads the signed-in user. On the server the request's cookie is forwarded (useRequestFetch), so the
   * first HTML already knows who is signed in. Resolves to null when signed out; throws ApiFailure when
   * the server cannot answer.
   */
  async function fetchUser(): Promise<MeDto | null> {
    const fetcher = import.meta.server ? useRequestFetch() : $fetch
    let serverNow = Date.now()
    try {
      const me = await fetcher<MeDto>('/api/me', {
        onResponse({ response }) {
          const date = Date.parse(response.headers.get('date') ?? '')
          if (Number.isFinite(date)) serverNow = date
        },
      })
      user.value = me
      tokenMsLeft.value = Date.parse(me.token_expires_at) - serverNow
      sessionEnd.value = null
    }
    catch (error) {
      const failure = toApiFailure(error)
      if (failure.status !== 401) throw failure
      user.value = null
      tokenMsLeft.value = null
    }
    finally {
      loaded.value = true
    }
    scheduleRefresh()
    return user.value
  }

  /** Loads the user once per app start (server render or first client navigation). */
  async function ensureLoaded(): Promise<MeDto | null> {
    if (loaded.value) return user.value
    return fetchUser()
  }

  async function login(credentials: Credentials): Promise<MeDto> {
    await apiCall(() => $fetch('/api/login', { method: 'POST', body: credentials }))
    const me = await fetchUser()
    // The login worked but the browser did not keep the session cookie (e.g. a Secure cookie over plain HTTP).
    if (!me) throw apiFailure(401, { code: 'COOKIE_REJECTED', message: '' })
    announce('signed-in')
    return me
  }

  /** `invite`: the token of an invite link, for a gallery that registers by invitation (SPEC §10). */
  async function register(credentials: Credentials & { invite?: string }): Promise<void> {
    await apiCall(() => $fetch('/api/register', { method: 'POST', body: credentials }))
  }

  async function logout(): Promise<void> {
    try {
      await apiCall(() => $fetch('/api/logout', { method: 'POST' }))
    }
    catch (error) {
      // 401: the session had already ended, which is what we wanted.
      if (toApiFailure(error).status !== 401) throw error
    }
    endSession('signed-out')
    announce('signed-out')
  }

  /** Forgets the user locally (after logout, or when the API says the session is gone). */
  function endSession(reason: SessionEnd) {
    clearTimeout(refreshTimer)
    user.value = null
    tokenMsLeft.value = null
    sessionEnd.value = reason
  }

  function scheduleRefresh(delay?: number) {
    if (import.meta.server) return
    clearTimeout(refreshTimer)
    if (!user.value || tokenMsLeft.value === null) return
    const left = tokenMsLeft.value
    const wait = delay ?? Math.max(MIN_REFRESH_DELAY_MS, left - Math.min(REFRESH_MARGIN_MS, left / 2))
    refreshDueAt = Date.now() + wait
    refreshTimer = setTimeout(() => void refresh(), wait)
  }

  /** Rotates the token before it expires. A tab that slept past its timer refreshes on waking (see resume). */
  function refresh(): Promise<void> {
    refreshing ??= (async () => {
      try {
        await apiCall(() => $fetch('/api/refresh', { method: 'POST' }))
        await fetchUser()
      }
      catch (error) {
        const failure = toApiFailure(error)
        if (failure.status === 401) {
          // Another tab may have rotated the shared cookie first: ask who we are before giving up.
          const me = await fetchUser().catch(() => null)
          if (!me) endSession('expired')
        }
        else {
          scheduleRefresh(RETRY_DELAY_MS)
        }
      }
      finally {
        refreshing = undefined
      }
    })()
    return refreshing
  }

  /** Called when the page becomes visible again: timers do not run while a laptop sleeps. */
  function resume() {
    if (user.value && refreshDueAt && Date.now() >= refreshDueAt) void refresh()
  }

  return { user, tokenMsLeft, loaded, sessionEnd, fetchUser, ensureLoaded, login, register, logout, endSession, scheduleRefresh, refresh, resume, onSessionChange }
})
