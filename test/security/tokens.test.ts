import { createHmac } from 'node:crypto'
import { fetch } from '@nuxt/test-utils/e2e'
import { beforeAll, describe, expect, it } from 'vitest'
import { bearer, makeImage, PASSWORD, postJson, signUp, uniqueName, upload } from '../setup/api'
import { startServer, TEST_SECRET } from '../setup/server'
import { listImages, userId } from '../support/accounts'
import { imageRows, query, sessionRows } from '../support/db'
import { expectApiError, UNAUTHORIZED } from '../support/errors'
import { b64url, decodeToken, randomKey, signWith } from '../support/tokens'

await startServer()

interface Account { username: string, token: string, id: number, claims: Record<string, unknown> }

async function account(): Promise<Account> {
  const { username, token } = await signUp()
  return { username, token, id: await userId(token), claims: decodeToken(token).payload }
}

let alice: Account
let bob: Account

beforeAll(async () => {
  alice = await account()
  bob = await account()
})

const now = () => Math.floor(Date.now() / 1000)

/** Alice's own claims, freshly timed: everything a valid token needs, to be spoiled one way at a time. */
const aliceClaims = () => ({ ...alice.claims, iat: now(), exp: now() + 600 })

const without = (claims: Record<string, unknown>, name: string) => Object.fromEntries(Object.entries(claims).filter(([k]) => k !== name))

const unsigned = (header: Record<string, unknown>, payload: Record<string, unknown>, signature = '') => `${b64url(header)}.${b64url(payload)}.${signature}`

/** A token with any header at all, HMAC-SHA256-signed by hand with the server's real key. */
const handSigned = (header: Record<string, unknown>, payload: Record<string, unknown>) => {
  const input = `${b64url(header)}.${b64url(payload)}`
  return `${input}.${createHmac('sha256', TEST_SECRET).update(input).digest('base64url')}`
}

async function expectUnauthorized(res: Response) {
  expect(await expectApiError(res, 401)).toEqual(UNAUTHORIZED)
}

describe('forged and spoiled tokens', () => {
  it.each([
    ['jose', () => signWith(aliceClaims(), TEST_SECRET)],
    ['hand', async () => handSigned({ alg: 'HS256', typ: 'JWT' }, aliceClaims())],
  ])('accepts a token signed by %s with the real key and untouched claims (control for the cases below)', async (_, make) => {
    const res = await fetch('/api/me', { headers: bearer(await make()) })
    expect(res.status).toBe(200)
    expect((await res.json()).id).toBe(alice.id)
  })

  it.each<[string, () => Promise<string> | string]>([
    ['alg "none" with an empty signature', () => unsigned({ alg: 'none', typ: 'JWT' }, aliceClaims())],
    ['alg "none" keeping a real signature', () => unsigned({ alg: 'none', typ: 'JWT' }, alice.claims, decodeToken(alice.token).signature)],
    ['alg "None" (other spelling) with an empty signature', () => unsigned({ alg: 'None', typ: 'JWT' }, aliceClaims())],
    ['alg "hs256" (lower case), HMAC-SHA256 with the real key', () => handSigned({ alg: 'hs256', typ: 'JWT' }, aliceClaims())],
    ['alg "none", HMAC-SHA256 with the real key', () => handSigned({ alg: 'none', typ: 'JWT' }, aliceClaims())],
    ['no alg at all, HMAC-SHA256 with the real key', () => handSigned({ typ: 'JWT' }, aliceClaims())],
    ['the signature removed', () => alice.token.split('.').slice(0, 2).join('.') + '.'],
    ['a signature from another random key', () => signWith(aliceClaims(), randomKey())],
    ['the seed\'s placeholder key your-jwt-secret-key', () => signWith(aliceClaims(), 'your-jwt-secret-key')],
    ['the seed\'s placeholder key your-secret-key', () => signWith(aliceClaims(), 'your-secret-key')],
    ['user_id and sub changed to another user, signature kept', () => {
      const { header, signature } = decodeToken(alice.token)
      return unsigned(header, { ...alice.claims, user_id: bob.id, sub: String(bob.id) }, signature)
    }],
    ['sid changed to another session, signature kept', () => {
      const { header, signature } = decodeToken(alice.token)
      return unsigned(header, { ...alice.claims, sid: bob.claims.sid }, signature)
    }],
    ['exp pushed a year ahead, signature kept', () => {
      const { header, signature } = decodeToken(alice.token)
      return unsigned(header, { ...alice.claims, exp: now() + 365 * 86400 }, signature)
    }],
    ['an exp an hour ago (real key)', () => signWith({ ...alice.claims, iat: now() - 7200, exp: now() - 3600 }, TEST_SECRET)],
    ['an exp 60 seconds ago, past the allowed skew (real key)', () => signWith({ ...alice.claims, iat: now() - 3600, exp: now() - 60 }, TEST_SECRET)],
    ['no exp (real key)', () => signWith(without(aliceClaims(), 'exp'), TEST_SECRET)],
    ['no iat (real key)', () => signWith(without(aliceClaims(), 'iat'), TEST_SECRET)],
    ['no sub (real key)', () => signWith(without(aliceClaims(), 'sub'), TEST_SECRET)],
    ['no jti (real key)', () => signWith(without(aliceClaims(), 'jti'), TEST_SECRET)],
    ['no sid (real key)', () => signWith(without(aliceClaims(), 'sid'), TEST_SECRET)],
    ['an nbf an hour ahead (real key)', () => signWith({ ...aliceClaims(), nbf: now() + 3600 }, TEST_SECRET)],
    ['HS512 with the real key', () => signWith(aliceClaims(), TEST_SECRET, 'HS512')],
    ['HS384 with the real key', () => signWith(aliceClaims(), TEST_SECRET, 'HS384')],
    ['an unknown critical header (real key)', () => handSigned({ 'alg': 'HS256', 'typ': 'JWT', 'crit': ['x-gallery'], 'x-gallery': 1 }, aliceClaims())],
    ['sub and user_id naming different users (real key)', () => signWith({ ...aliceClaims(), user_id: bob.id }, TEST_SECRET)],
    ['a session id that does not exist (real key)', () => signWith({ ...aliceClaims(), sid: 'AAAAAAAAAAAAAAAAAAAAAA' }, TEST_SECRET)],
    ['the right session with a jti it does not hold (real key)', () => signWith({ ...aliceClaims(), jti: 'BBBBBBBBBBBBBBBBBBBBBB' }, TEST_SECRET)],
    ['another user\'s session and jti under one\'s own user id (real key)', () => signWith({ ...aliceClaims(), sid: bob.claims.sid, jti: bob.claims.jti }, TEST_SECRET)],
    ['one\'s own session under another user\'s id (real key)', () => signWith({ ...aliceClaims(), sub: String(bob.id), user_id: bob.id }, TEST_SECRET)],
    ['five dot-separated parts (JWE shape)', () => `${alice.token}.AAAA.BBBB`],
    ['a payload that is not JSON', () => `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url('not json')}.${decodeToken(alice.token).signature}`],
  ])('refuses %s with 401 and leaves the real session alone', async (_, make) => {
    const token = await make()
    const sessions = await sessionRows(alice.id)
    await expectUnauthorized(await fetch('/api/me', { headers: bearer(token) }))
    await expectUnauthorized(await fetch('/api/images', { headers: bearer(token) }))
    await expectUnauthorized(await fetch('/api/refresh', { method: 'POST', headers: bearer(token) }))
    expect(await sessionRows(alice.id)).toEqual(sessions)
    expect(await sessionRows(bob.id)).toHaveLength(1)
    expect((await fetch('/api/me', { headers: bearer(alice.token) })).status).toBe(200)
  })

  it.each<[string, () => Promise<string> | string]>([
    ['alg "none"', () => unsigned({ alg: 'none', typ: 'JWT' }, aliceClaims())],
    ['a placeholder-key signature', () => signWith(aliceClaims(), 'your-jwt-secret-key')],
    ['an expired token', () => signWith({ ...alice.claims, iat: now() - 7200, exp: now() - 3600 }, TEST_SECRET)],
  ])('refuses %s in the session cookie too', async (_, make) => {
    const cookie = `gallery_token=${await make()}`
    await expectUnauthorized(await fetch('/api/me', { headers: { cookie } }))
    await expectUnauthorized(await fetch('/api/images', { headers: { cookie } }))
  })
})

describe('where a token may come from', () => {
  it.each(['token', 'access_token', 'jwt', 'authorization'])('ignores a valid token in the query string (?%s=)', async (name) => {
    await expectUnauthorized(await fetch(`/api/images?${name}=${encodeURIComponent(alice.token)}`))
    await expectUnauthorized(await fetch(`/api/me?${name}=${encodeURIComponent(alice.token)}`))
  })

  it('ignores a valid token in a JSON body', async () => {
    await expectUnauthorized(await postJson('/api/refresh', { token: alice.token }))
    expect((await fetch('/api/me', { headers: bearer(alice.token) })).status).toBe(200)
  })

  it('sets the session cookie HttpOnly, SameSite=Lax, Secure (production) for the whole site, expiring with the session', async () => {
    const login = await postJson('/api/login', { username: alice.username, password: PASSWORD })
    const cookie = login.headers.get('set-cookie') ?? ''
    const { token } = await login.json()
    // The cookie carries a token of its own, marked as the cookie's (issue 11.1), for the same session state.
    const cookieToken = /^gallery_token=([^;]+);/.exec(cookie)?.[1] ?? ''
    expect(cookieToken).not.toBe(token)
    const { ck, iat: _cookieIat, exp: _cookieExp, ...cookieClaims } = decodeToken(cookieToken).payload
    const { iat: _iat, exp: _exp, ...jsonClaims } = decodeToken(token).payload
    expect(ck).toBe(true)
    expect(jsonClaims.ck).toBeUndefined()
    expect(cookieClaims).toEqual(jsonClaims)
    expect(cookie).toMatch(/;\s*HttpOnly/i)
    expect(cookie).toMatch(/;\s*SameSite=Lax/i)
    expect(cookie).toMatch(/;\s*Secure/i)
    expect(cookie).toMatch(/;\s*Path=\/(;|$)/i)
    const expires = Date.parse(/Expires=([^;]+)/i.exec(cookie)?.[1] ?? '')
    const [session] = await query<{ expires_at: Date }>('SELECT expires_at FROM sessions WHERE id = ?', [decodeToken(token).payload.sid])
    expect(Math.abs(expires - new Date(session!.expires_at).getTime())).toBeLessThanOrEqual(1000)
    expect((await fetch('/api/logout', { method: 'POST', headers: bearer(token) })).status).toBe(200)
  })

  it('clears the cookie on logout', async () => {
    const { token } = await signUp()
    const out = await fetch('/api/logout', { method: 'POST', headers: bearer(token) })
    const cleared = out.headers.get('set-cookie') ?? ''
    expect(cleared).toMatch(/^gallery_token=;/)
    expect(cleared).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i)
  })
})

describe('a deleted user', () => {
  it('loses every token at once, and a new account with the same name does not inherit them', async () => {
    const carol = await account()
    expect((await upload(carol.token, await makeImage(), 'c.png')).status).toBe(201)
    const forged = await signWith({ ...carol.claims, iat: now(), exp: now() + 600 }, TEST_SECRET)
    await query('DELETE FROM users WHERE id = ?', [carol.id])
    expect(await sessionRows(carol.id)).toEqual([])
    for (const token of [carol.token, forged]) {
      await expectUnauthorized(await fetch('/api/me', { headers: bearer(token) }))
      await expectUnauthorized(await fetch('/api/images', { headers: bearer(token) }))
      await expectUnauthorized(await fetch('/api/refresh', { method: 'POST', headers: bearer(token) }))
      await expectUnauthorized(await upload(token, await makeImage(), 'again.png'))
    }
    expect(await imageRows(carol.id)).toBe(0)

    const reborn = await signUp(carol.username)
    const rebornId = await userId(reborn.token)
    expect(rebornId).not.toBe(carol.id)
    await expectUnauthorized(await fetch('/api/me', { headers: bearer(carol.token) }))
    expect(await listImages(reborn.token)).toEqual([])
  })
})

describe('logout', () => {
  it('ends the session for every route, Bearer and cookie alike, and a second logout is 401', async () => {
    const { username, token } = await signUp()
    const id = await userId(token)
    const image = (await (await upload(token, await makeImage(), 'kept.png')).json()).image
    const login = await postJson('/api/login', { username, password: PASSWORD })
    const second = await login.json()
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!
    expect((await fetch('/api/logout', { method: 'POST', headers: bearer(second.token) })).status).toBe(200)
    for (const headers of [bearer(second.token), { cookie }]) {
      await expectUnauthorized(await fetch('/api/images', { headers }))
      await expectUnauthorized(await fetch(image.url, { headers }))
      await expectUnauthorized(await fetch(`/api/images/delete/${image.id}`, { method: 'DELETE', headers }))
      await expectUnauthorized(await fetch('/api/logout', { method: 'POST', headers }))
      const refresh = await fetch('/api/refresh', { method: 'POST', headers })
      expect(refresh.headers.get('set-cookie') ?? '').not.toMatch(/gallery_token=[^;]+\./)
      await expectUnauthorized(refresh)
    }
    await expectUnauthorized(await upload(second.token, await makeImage(), 'after.png'))
    // The first session, and the image, are untouched.
    expect((await listImages(token)).map(i => i.id)).toEqual([image.id])
    expect(await imageRows(id)).toBe(1)
  })
})

describe('refresh rotation', () => {
  it('does not let a rotated-away token log out, refresh or delete', async () => {
    const { token: old } = await signUp()
    const image = (await (await upload(old, await makeImage(), 'r.png')).json()).image
    const fresh = (await (await fetch('/api/refresh', { method: 'POST', headers: bearer(old) })).json()).token
    await expectUnauthorized(await fetch('/api/logout', { method: 'POST', headers: bearer(old) }))
    await expectUnauthorized(await fetch(`/api/images/delete/${image.id}`, { method: 'DELETE', headers: bearer(old) }))
    await expectUnauthorized(await fetch('/api/refresh', { method: 'POST', headers: bearer(old) }))
    expect((await listImages(fresh)).map(i => i.id)).toEqual([image.id])
  })

  it('lets at most one of several concurrent refreshes with the same token succeed', async () => {
    const { token } = await signUp()
    const id = await userId(token)
    const results = await Promise.all(Array.from({ length: 8 }, () => fetch('/api/refresh', { method: 'POST', headers: bearer(token) })))
    const winners = results.filter(r => r.status === 200)
    expect(winners).toHaveLength(1)
    for (const loser of results.filter(r => r.status !== 200)) await expectUnauthorized(loser)
    const winner = (await winners[0]!.json()).token
    expect((await fetch('/api/me', { headers: bearer(winner) })).status).toBe(200)
    await expectUnauthorized(await fetch('/api/me', { headers: bearer(token) }))
    const sessions = await sessionRows(id)
    expect(sessions).toHaveLength(1)
    expect(sessions[0]!.jti).toBe(decodeToken(winner).payload.jti)
  })

  it('refuses a token whose session has passed its lifetime, even before the token expires', async () => {
    const { token } = await signUp()
    const { sid } = decodeToken(token).payload
    await query('UPDATE sessions SET expires_at = CURRENT_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ?', [sid])
    await expectUnauthorized(await fetch('/api/me', { headers: bearer(token) }))
    await expectUnauthorized(await fetch('/api/refresh', { method: 'POST', headers: bearer(token) }))
  })

  it('never issues a token that outlives its session', async () => {
    const { token } = await signUp()
    const { sid } = decodeToken(token).payload
    await query('UPDATE sessions SET expires_at = CURRENT_TIMESTAMP(3) + INTERVAL 60 SECOND WHERE id = ?', [sid])
    const res = await fetch('/api/refresh', { method: 'POST', headers: bearer(token) })
    expect(res.status).toBe(200)
    const { header, payload } = decodeToken((await res.json()).token)
    expect(header.alg).toBe('HS256')
    expect(payload.sid).toBe(sid)
    expect(payload.exp).toBeLessThanOrEqual(now() + 61)
  })
})

describe('registration does not hand out sessions', () => {
  it('returns no token and sets no cookie on register', async () => {
    const res = await postJson('/api/register', { username: uniqueName(), password: PASSWORD })
    expect(res.status).toBe(201)
    expect(res.headers.get('set-cookie')).toBeNull()
    expect(Object.keys(await res.json())).toEqual(['message'])
  })
})

describe('coming back after the token expired', () => {
  // A token of a live session that expired an hour ago, as a browser closed for longer than
  // JWT_EXPIRATION_DELTA still holds in its cookie.
  // It is the cookie's own token (claim `ck`): only such a token is ever renewed (issue 11.1).
  const expiredTokenOf = async (account: Account, claims: Record<string, unknown> = { ck: true }) =>
    signWith({ ...account.claims, ...claims, iat: now() - 7200, exp: now() - 3600 }, TEST_SECRET)

  it('refreshes the expired token of a live session from the browser\'s cookie once, never as a Bearer token', async () => {
    const carol = await account()
    const expired = await expiredTokenOf(carol)
    const cookie = { 'cookie': `gallery_token=${expired}`, 'sec-fetch-site': 'same-origin' }
    await expectUnauthorized(await fetch('/api/me', { headers: { cookie: cookie.cookie } }))
    await expectUnauthorized(await fetch('/api/refresh', { method: 'POST', headers: bearer(expired) }))
    const res = await fetch('/api/refresh', { method: 'POST', headers: cookie })
    expect(res.status).toBe(200)
    const { token } = await res.json()
    expect((await fetch('/api/me', { headers: bearer(token) })).status).toBe(200)
    await expectUnauthorized(await fetch('/api/refresh', { method: 'POST', headers: cookie }))
    await expectUnauthorized(await fetch('/api/me', { headers: bearer(carol.token) }))
  })

  it.each([
    ['without the cookie claim (a token from a JSON answer)', {}],
    ['with ck: "true" (a string)', { ck: 'true' }],
    ['with ck: 1', { ck: 1 }],
  ])('neither refreshes nor renews on a page load an expired cookie token %s', async (_, claims) => {
    const grace = await account()
    const expired = await expiredTokenOf(grace, claims)
    const refresh = await fetch('/api/refresh', { method: 'POST', headers: { 'cookie': `gallery_token=${expired}`, 'sec-fetch-site': 'same-origin' } })
    await expectUnauthorized(refresh)
    const page = await fetch('/', { headers: { cookie: `gallery_token=${expired}` }, redirect: 'manual' })
    expect([302, 307]).toContain(page.status)
    for (const res of [refresh, page]) expect(res.headers.get('set-cookie') ?? '').not.toMatch(/gallery_token=[^;]+\./)
    expect(await sessionRows(grace.id)).toEqual([{ id: grace.claims.sid, jti: grace.claims.jti }])
  })

  it('does not refresh an expired cookie after logout', async () => {
    const dave = await account()
    const expired = await expiredTokenOf(dave)
    expect((await fetch('/api/logout', { method: 'POST', headers: bearer(dave.token) })).status).toBe(200)
    await expectUnauthorized(await fetch('/api/refresh', { method: 'POST', headers: { 'cookie': `gallery_token=${expired}`, 'sec-fetch-site': 'same-origin' } }))
  })

  it('renews the session on a page load and renders the signed-in page', async () => {
    const erin = await account()
    const expired = await expiredTokenOf(erin)
    const page = await fetch('/', { headers: { cookie: `gallery_token=${expired}` }, redirect: 'manual' })
    expect(page.status).toBe(200)
    const renewed = /gallery_token=([^;]+)/.exec(page.headers.get('set-cookie') ?? '')?.[1]
    expect(renewed).toBeDefined()
    expect(renewed).not.toBe(expired)
    expect(await page.text()).toContain(erin.username)
    expect((await fetch('/api/me', { headers: { cookie: `gallery_token=${renewed}` } })).status).toBe(200)
  })

  it('sends a page load with a forged expired cookie to sign-in without renewing anything', async () => {
    const frank = await account()
    const forged = await signWith({ ...frank.claims, iat: now() - 7200, exp: now() - 3600 }, 'your-jwt-secret-key')
    const page = await fetch('/', { headers: { cookie: `gallery_token=${forged}` }, redirect: 'manual' })
    expect(page.headers.get('set-cookie') ?? '').not.toMatch(/gallery_token=[^;]+\./)
    expect([302, 307]).toContain(page.status)
    expect((await fetch('/api/me', { headers: bearer(frank.token) })).status).toBe(200)
  })
})
