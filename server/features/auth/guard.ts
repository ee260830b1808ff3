import type { H3Event } from 'h3'
import { deleteCookie, getCookie, getHeader, getRequestHost, setCookie } from 'h3'
import { useConfig } from '../../infra/config'
import { apiError, unauthorized } from '../../infra/http/errors'
import { findSessionUser, rotateSession, SESSION_LIFETIME_MS, type SessionUser } from './sessions'
import { verifyToken } from './tokens'

export const AUTH_COOKIE = 'gallery_token'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

function readToken(event: H3Event): { token?: string, viaCookie: boolean } {
  const header = getHeader(event, 'authorization')
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim())
    return { token: match?.[1], viaCookie: false }
  }
  return { token: getCookie(event, AUTH_COOKIE), viaCookie: true }
}

/**
 * A cookie-authenticated request that changes state must come from our own origin (CSRF).
 * Browsers send `Sec-Fetch-Site` and `Origin` on such requests; a client that sends neither is not a browser.
 */
function assertSameOrigin(event: H3Event): void {
  const site = getHeader(event, 'sec-fetch-site')
  if (site && site !== 'same-origin' && site !== 'none') throw apiError('CSRF_REJECTED')
  const origin = getHeader(event, 'origin')
  if (origin) {
    let host: string | undefined
    try { host = new URL(origin).host }
    catch { /* "null" or garbage */ }
    if (host !== getRequestHost(event, { xForwardedHost: false })) throw apiError('CSRF_REJECTED')
  }
}

/**
 * The signed-in user of this request (Bearer token or session cookie), or a 401.
 * `renewCookie` (refresh only): also accept a session cookie whose token expired while its session is
 * still live — the httpOnly cookie is the browser's renewal credential. Bearer tokens never get this.
 */
export async function requireUser(event: H3Event, { renewCookie = false } = {}): Promise<SessionUser> {
  if (event.context.user) return event.context.user as SessionUser
  const { token, viaCookie } = readToken(event)
  if (!token) throw unauthorized()
  if (viaCookie && !SAFE_METHODS.has(event.method)) assertSameOrigin(event)
  const claims = await verifyToken(token, { expiredWithin: renewCookie && viaCookie ? SESSION_LIFETIME_MS / 1000 : 0 })
  if (!claims) throw unauthorized()
  const user = await findSessionUser(claims)
  if (!user) throw unauthorized()
  event.context.user = user
  event.context.tokenExp = claims.exp
  return user
}

/**
 * Sets the httpOnly session cookie the web app and server-side rendering use. It lives as long as the
 * session, not the token: a browser that comes back after the token expired gets its session renewed.
 */
export function setAuthCookie(event: H3Event, token: string, sessionExpiresAt: Date): void {
  setCookie(event, AUTH_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: useConfig().production,
    path: '/',
    expires: sessionExpiresAt,
  })
}

/**
 * For a page request whose cookie holds a token that expired while its session is still live (the
 * browser was closed for longer than JWT_EXPIRATION_DELTA): rotates the session, sets the new cookie,
 * and hands the new token to this request's own API calls during server rendering.
 */
export async function renewSession(event: H3Event): Promise<void> {
  const token = getCookie(event, AUTH_COOKIE)
  if (!token || await verifyToken(token)) return
  const claims = await verifyToken(token, { expiredWithin: SESSION_LIFETIME_MS / 1000 })
  if (!claims) return
  const user = await findSessionUser(claims)
  if (!user) return
  const renewed = await rotateSession(user)
  setAuthCookie(event, renewed.token, renewed.sessionExpiresAt)
  event.node.req.headers.cookie = (event.node.req.headers.cookie ?? '').replace(token, renewed.token)
}

export function clearAuthCookie(event: H3Event): void {
  deleteCookie(event, AUTH_COOKIE, { httpOnly: true, sameSite: 'lax', secure: useConfig().production, path: '/' })
}
