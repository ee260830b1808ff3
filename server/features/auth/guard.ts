import type { H3Event } from 'h3'
import { deleteCookie, getCookie, getHeader, isError, setCookie, setResponseHeader } from 'h3'
import { useConfig, type GalleryConfig } from '../../infra/config'
import { apiError, unauthorized } from '../../infra/http/errors'
import { findSessionUser, revokeSession, rotateSession, SESSION_LIFETIME_MS, type SessionUser } from './sessions'
import { verifyToken, type SessionTokens, type TokenClaims } from './tokens'

const COOKIE_BASE_NAME = 'gallery_token'

/**
 * The auth cookie's name. Behind HTTPS it carries the `__Host-` prefix: browsers then accept it only
 * when Secure, for Path=/ and without Domain, so a sibling subdomain (or a man in the middle on plain
 * http) cannot plant one for us (cookie tossing). Over plain http the prefix would be refused.
 */
export function authCookieName(): string {
  return useConfig().publicOrigin.startsWith('https:') ? `__Host-${COOKIE_BASE_NAME}` : COOKIE_BASE_NAME
}

/** How often the auth cookie's name occurs in the request's raw Cookie header (h3's parser keeps only one). */
function authCookieCount(event: H3Event): number {
  const raw = event.node.req.headers.cookie
  const name = authCookieName()
  if (!raw?.includes(name)) return 0
  let count = 0
  for (const pair of raw.split(';')) {
    const eq = pair.indexOf('=')
    if ((eq < 0 ? pair : pair.slice(0, eq)).trim() === name) count++
  }
  return count
}

/** True when the request carries the auth cookie (valid or not). */
export const hasAuthCookie = (event: H3Event) => authCookieCount(event) > 0

/**
 * The auth cookie's token. A request carrying the cookie twice is refused with 401: the second one was
 * planted (another path or a parent domain), and trusting whichever comes first would sign the
 * victim into the attacker's account, or the other way round.
 */
function readAuthCookie(event: H3Event): string | undefined {
  const count = authCookieCount(event)
  if (count > 1) throw unauthorized()
  return count ? getCookie(event, authCookieName()) : undefined
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

function readToken(event: H3Event): { token?: string, viaCookie: boolean } {
  const header = getHeader(event, 'authorization')
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim())
    return { token: match?.[1], viaCookie: false }
  }
  return { token: readAuthCookie(event), viaCookie: true }
}

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]']

/**
 * The origins (scheme, host and port) a cookie-authenticated write may come from: PUBLIC_URL's own.
 * In development, when PUBLIC_URL is a loopback address, also its loopback aliases with the same
 * scheme and port, so the dev server works opened as localhost or as 127.0.0.1.
 */
export function trustedOrigins({ publicOrigin, production }: Pick<GalleryConfig, 'publicOrigin' | 'production'>): Set<string> {
  const own = new URL(publicOrigin)
  if (production || !LOOPBACK_HOSTS.includes(own.hostname)) return new Set([own.origin])
  return new Set(LOOPBACK_HOSTS.map(host => new URL(`${own.protocol}//${host}${own.port ? `:${own.port}` : ''}`).origin))
}

let trusted: Set<string> | undefined

/**
 * A cookie-authenticated request that changes state must come from our own origin (CSRF). Browsers send
 * `Sec-Fetch-Site` and `Origin` on such requests; a client that sends neither is not a browser. The
 * Origin is compared whole with PUBLIC_URL, never with the Host header, which the client writes.
 */
function assertSameOrigin(event: H3Event): void {
  const site = getHeader(event, 'sec-fetch-site')
  if (site && site !== 'same-origin' && site !== 'none') throw apiError('CSRF_REJECTED')
  const origin = getHeader(event, 'origin')
  if (origin === undefined) return
  let normalized: string | undefined
  try { normalized = new URL(origin).origin }
  catch { /* "null" or garbage */ }
  trusted ??= trustedOrigins(useConfig())
  if (!normalized || !trusted.has(normalized)) throw apiError('CSRF_REJECTED')
}

/** A token that expired this long ago may still renew its session (which lives no longer than this anyway). */
const RENEWAL_WINDOW_S = SESSION_LIFETIME_MS / 1000

/**
 * Claims of a token that may renew its session although it expired: signed by us for the cookie (`ck`).
 * A token from a JSON answer replayed as the cookie never qualifies, so one that leaked once dies with
 * its `exp` instead of living on for the session's 30 days.
 */
async function renewableClaims(token: string): Promise<TokenClaims | undefined> {
  const claims = await verifyToken(token, { expiredWithin: RENEWAL_WINDOW_S })
  return claims?.cookie ? claims : undefined
}

/**
 * The signed-in user of this request (Bearer token or session cookie), or a 401.
 * `renewCookie` (refresh only): also accept our own cookie token (see renewableClaims) that expired while
 * its session is still live — the httpOnly cookie is the browser's renewal credential. Bearer tokens never get this.
 */
export async function requireUser(event: H3Event, { renewCookie = false } = {}): Promise<SessionUser> {
  if (event.context.user) return event.context.user as SessionUser
  const { token, viaCookie } = readToken(event)
  if (!token) throw unauthorized()
  if (viaCookie && !SAFE_METHODS.has(event.method)) assertSameOrigin(event)
  const claims = await verifyToken(token) ?? (renewCookie && viaCookie ? await renewableClaims(token) : undefined)
  if (!claims) throw unauthorized()
  const user = await findSessionUser(claims)
  if (!user) throw unauthorized()
  event.context.user = user
  event.context.tokenExp = claims.exp
  return user
}

/** The signed-in user when an administrator (SPEC §10), else 403 FORBIDDEN (401 without a session). */
export async function requireAdmin(event: H3Event): Promise<SessionUser> {
  const user = await requireUser(event)
  if (user.role !== 'admin') throw apiError('FORBIDDEN')
  return user
}

const cookieAttributes = () => ({
  httpOnly: true,
  sameSite: 'lax' as const,
  // Always Secure in production (and necessarily for the __Host- name): the browser sends it over TLS only.
  secure: useConfig().production || authCookieName() !== COOKIE_BASE_NAME,
  path: '/',
})

/**
 * Sets the httpOnly session cookie the web app and server-side rendering use, holding the session's
 * cookie token (never the JSON answer's). It lives as long as the session, not the token: a browser that
 * comes back after the token expired gets its session renewed.
 */
export function setAuthCookie(event: H3Event, tokens: SessionTokens): void {
  setCookie(event, authCookieName(), tokens.cookieToken, { ...cookieAttributes(), expires: tokens.sessionExpiresAt })
}

export function clearAuthCookie(event: H3Event): void {
  deleteCookie(event, authCookieName(), cookieAttributes())
}

/** Responses with private data or a token: no browser or shared cache may keep them. */
export function noStore(event: H3Event): void {
  setResponseHeader(event, 'cache-control', 'no-store')
}

/**
 * For a page request whose cookie holds our cookie token that expired while its session is still live
 * (the browser was closed for longer than JWT_EXPIRATION_DELTA): rotates the session, sets the new cookie,
 * and hands the new token to this request's own API calls during server rendering. Does nothing for any
 * other cookie (valid, forged, from a JSON answer, given twice, or of an ended session).
 */
export async function renewSession(event: H3Event): Promise<void> {
  if (authCookieCount(event) !== 1) return
  const token = getCookie(event, authCookieName())
  if (!token || await verifyToken(token)) return
  const claims = await renewableClaims(token)
  if (!claims) return
  const user = await findSessionUser(claims)
  if (!user) return
  let renewed: SessionTokens
  try {
    renewed = await rotateSession(user)
  }
  catch (error) {
    // Another tab renewed the same cookie first: this page renders signed out, the next one signed in.
    if (isError(error) && error.statusCode === 401) return
    throw error
  }
  setAuthCookie(event, renewed)
  event.node.req.headers.cookie = (event.node.req.headers.cookie ?? '').replace(token, renewed.cookieToken)
}

/**
 * Logout. Clears the cookie whatever the outcome (a 401 included), and ends the session of any token we
 * signed that is still its session's current one, expired or not: a browser that slept past its token's
 * lifetime must still be able to sign out. A forged or unsigned token ends nothing. Cross-site requests
 * are refused first and touch nothing, not even the cookie.
 */
export async function signOut(event: H3Event): Promise<void> {
  if (!getHeader(event, 'authorization') && hasAuthCookie(event)) assertSameOrigin(event)
  clearAuthCookie(event)
  const { token } = readToken(event)
  const claims = token ? await verifyToken(token, { expiredWithin: RENEWAL_WINDOW_S }) : undefined
  const user = claims && await findSessionUser(claims)
  if (!user) throw unauthorized()
  await revokeSession(user.sessionId)
}
