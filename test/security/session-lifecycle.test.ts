import { fetch, url } from '@nuxt/test-utils/e2e'
import { beforeAll, describe, expect, it } from 'vitest'
import { bearer, PASSWORD, postJson, signUp } from '../setup/api'
import { startServer } from '../setup/server'
import { userId } from '../support/accounts'
import { query, sessionRows } from '../support/db'
import { expectApiError, UNAUTHORIZED } from '../support/errors'
import { decodeToken, randomKey, signWith } from '../support/tokens'

// Tokens that live one second, so that they really expire during the file (not forged as expired);
// at most three live sessions per user, so that the cap is reached with a handful of logins.
// Failed logins per user are counted before the password is compared, so 50 logins of one user at
// once would mostly get 429: the per-user limit is raised here, where the cap is what is tested.
const CAP = 3
await startServer({ JWT_EXPIRATION_DELTA: '1', MAX_SESSIONS_PER_USER: String(CAP), RATE_LIMIT_LOGIN_PER_USER: '100000' })

/** The server's verification allows this much clock skew (server/features/auth/tokens.ts). */
const CLOCK_TOLERANCE_S = 5

interface Login { json: string, cookie: string, sid: string }

/** Logs in and returns both tokens: the JSON answer's and the cookie's (`gallery_token` value). */
async function login(username: string): Promise<Login> {
  const res = await postJson('/api/login', { username, password: PASSWORD })
  expect(res.status).toBe(200)
  const json = (await res.json()).token as string
  const cookie = /gallery_token=([^;]*)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? ''
  return { json, cookie, sid: String(decodeToken(json).payload.sid) }
}

const sessionAlive = async (sid: string) => (await query('SELECT id FROM sessions WHERE id = ?', [sid])).length === 1

/** Waits until every given token has expired, past the allowed clock skew. */
async function outlive(...tokens: string[]) {
  const exp = Math.max(...tokens.map(t => decodeToken(t).payload.exp as number))
  const wait = (exp + CLOCK_TOLERANCE_S + 1) * 1000 - Date.now()
  if (wait > 0) await new Promise(r => setTimeout(r, wait))
}

const ownOrigin = () => new URL(url('/')).origin
const cookieWrite = (token: string) => ({ 'cookie': `gallery_token=${token}`, 'origin': ownOrigin(), 'sec-fetch-site': 'same-origin' })
const renewedCookie = (res: Response) => /gallery_token=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1]

// One wait for the whole file: every session below is opened first, then all their tokens expire.
let user: { username: string, id: number }
let replayed: Login
let replayedPage: Login
let own: Login
let ownPage: Login
let outByCookie: Login
let outByBearer: Login
let forgedOut: Login

beforeAll(async () => {
  const { username, token } = await signUp()
  user = { username, id: await userId(token) }
  // Spread over users: this file's own users must stay under the session cap of three.
  const others = await Promise.all(Array.from({ length: 3 }, () => signUp()))
  ;[replayed, replayedPage] = [await login(username), await login(others[0]!.username)]
  ;[own, ownPage] = [await login(others[1]!.username), await login(others[2]!.username)]
  const [a, b, c] = await Promise.all(Array.from({ length: 3 }, async () => (await signUp()).username))
  ;[outByCookie, outByBearer, forgedOut] = [await login(a!), await login(b!), await login(c!)]
  await outlive(replayed.json, replayedPage.json, own.cookie, ownPage.cookie, outByCookie.cookie, outByBearer.json, forgedOut.cookie)
}, 60_000)

describe('renewal only for our own cookie (issue 11.1)', () => {
  it('marks the cookie\'s token as a cookie token and never the token of the JSON answer', () => {
    for (const login of [replayed, own]) {
      expect(login.cookie).not.toBe(login.json)
      const cookie = decodeToken(login.cookie).payload
      const json = decodeToken(login.json).payload
      expect(cookie.ck).toBe(true)
      expect(json.ck).toBeUndefined()
      expect([cookie.sid, cookie.jti, cookie.sub]).toEqual([json.sid, json.jti, json.sub])
    }
  })

  it('refuses to refresh a token from the login JSON replayed as the cookie after it expired', async () => {
    const res = await fetch('/api/refresh', { method: 'POST', headers: cookieWrite(replayed.json) })
    expect(await expectApiError(res, 401)).toEqual(UNAUTHORIZED)
    expect(renewedCookie(res)).toBeUndefined()
    expect(await sessionRows(user.id)).toContainEqual({ id: replayed.sid, jti: decodeToken(replayed.json).payload.jti })
  })

  it('does not renew it on a page load either, and sends the visitor to sign in', async () => {
    const page = await fetch('/', { headers: { cookie: `gallery_token=${replayedPage.json}` }, redirect: 'manual' })
    expect(renewedCookie(page)).toBeUndefined()
    expect([302, 307]).toContain(page.status)
    expect((await query('SELECT jti FROM sessions WHERE id = ?', [replayedPage.sid]))).toEqual([{ jti: decodeToken(replayedPage.json).payload.jti }])
  })

  it('does renew the session\'s own expired cookie token, by refresh and by page load', async () => {
    const res = await fetch('/api/refresh', { method: 'POST', headers: cookieWrite(own.cookie) })
    expect(res.status).toBe(200)
    const fresh = renewedCookie(res)!
    expect(decodeToken(fresh).payload.ck).toBe(true)
    expect(decodeToken((await res.json()).token).payload.ck).toBeUndefined()
    const page = await fetch('/', { headers: { cookie: `gallery_token=${ownPage.cookie}` }, redirect: 'manual' })
    expect(page.status).toBe(200)
    expect(decodeToken(renewedCookie(page)!).payload.ck).toBe(true)
  })
})

describe('logout with an expired token (issue 11.3)', () => {
  it('ends the session and clears the cookie when the cookie\'s token has expired', async () => {
    const res = await fetch('/api/logout', { method: 'POST', headers: cookieWrite(outByCookie.cookie) })
    expect(res.status).toBe(200)
    expect(res.headers.get('set-cookie') ?? '').toMatch(/^gallery_token=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/i)
    expect(await sessionAlive(outByCookie.sid)).toBe(false)
  })

  it('ends the session of an expired Bearer token', async () => {
    const res = await fetch('/api/logout', { method: 'POST', headers: bearer(outByBearer.json) })
    expect(res.status).toBe(200)
    expect(await sessionAlive(outByBearer.sid)).toBe(false)
  })

  it.each<[string, () => Promise<Record<string, string>>]>([
    ['no token at all', async () => ({})],
    ['a forged expired cookie naming a live session', async () => cookieWrite(await signWith({ ...decodeToken(forgedOut.cookie).payload }, randomKey()))],
    ['a garbage cookie', async () => cookieWrite('not.a.token')],
  ])('answers 401 but still clears the cookie for %s, and ends no session', async (_, headers) => {
    const res = await fetch('/api/logout', { method: 'POST', headers: await headers() })
    expect(await expectApiError(res, 401)).toEqual(UNAUTHORIZED)
    expect(res.headers.get('set-cookie') ?? '').toMatch(/^gallery_token=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/i)
    expect(await sessionAlive(forgedOut.sid)).toBe(true)
  })
})

describe('live sessions per user are capped (issue 11.4)', () => {
  it('keeps at most the cap of live sessions when 50 logins of one user arrive at once', async () => {
    const { username, token } = await signUp()
    const id = await userId(token)
    const results = await Promise.all(Array.from({ length: 50 }, () => postJson('/api/login', { username, password: PASSWORD })))
    expect(results.map(r => r.status)).toEqual(Array.from({ length: 50 }, () => 200))
    const live = await query<{ n: number }>('SELECT COUNT(*) AS n FROM sessions WHERE user_id = ? AND expires_at > CURRENT_TIMESTAMP(3)', [id])
    expect(Number(live[0]!.n)).toBeLessThanOrEqual(CAP)
    expect(Number(live[0]!.n)).toBeGreaterThanOrEqual(1)
  }, 60_000)

  it('revokes the oldest sessions beyond the cap and keeps the newest', async () => {
    const { username } = await signUp()
    const logins: Login[] = []
    for (let i = 0; i < CAP + 2; i++) logins.push(await login(username))
    const alive = await Promise.all(logins.map(l => sessionAlive(l.sid)))
    expect(alive).toEqual([false, false, true, true, true])
  })

  it('purges the user\'s expired sessions when a new one opens', async () => {
    const { username, token } = await signUp()
    const id = await userId(token)
    await query('INSERT INTO sessions (id, user_id, jti, expires_at) VALUES (?, ?, ?, CURRENT_TIMESTAMP(3) - INTERVAL 1 DAY)', ['expiredSessionId000001', id, 'expiredSessionJti00001'])
    await login(username)
    expect(await sessionAlive('expiredSessionId000001')).toBe(false)
  })
})
