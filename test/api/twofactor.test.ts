import { fetch } from '@nuxt/test-utils/e2e'
import { describe, expect, it } from 'vitest'
import { base32Decode, hotp, timeStep } from '../../server/features/twofactor/totp'
import { bearer, PASSWORD, postJson, signUp } from '../setup/api'
import { startServer } from '../setup/server'
import { userId } from '../support/accounts'
import { query } from '../support/db'
import { expectApiError } from '../support/errors'

// Two-factor sign-in (SPEC §10) through the real server and database: setup, enable, the login step,
// replays, recovery codes, the login limit, disabling. Codes are computed here from the secret the
// setup answered, with the same RFC 6238 function the unit test checks against the RFC's vectors.

await startServer({ RATE_LIMIT_LOGIN_PER_USER: '10' })

const codeAt = (secret: string, step: number) => hotp(base32Decode(secret), step)
const nowStep = () => timeStep(Date.now())

const authed = (token: string, method: string, body?: unknown) => fetch('/api/account/2fa', {
  method,
  headers: { ...bearer(token), 'content-type': 'application/json' },
  body: body === undefined ? undefined : JSON.stringify(body),
})
const setup = (token: string) => fetch('/api/account/2fa/setup', { method: 'POST', headers: bearer(token) })
const enable = (token: string, code: string) => postJson('/api/account/2fa/enable', { code }, bearer(token))
const login = (username: string, extra: Record<string, string> = {}, password = PASSWORD) => postJson('/api/login', { username, password, ...extra })

/** A fresh user with two-factor on: their name, token, secret, recovery codes and the step their enabling code used. */
async function twoFactorUser() {
  const { username, token } = await signUp()
  const res = await setup(token)
  expect(res.status).toBe(200)
  const { secret } = await res.json() as { secret: string }
  const step = nowStep()
  const on = await enable(token, codeAt(secret, step))
  expect(on.status).toBe(200)
  const { recovery_codes } = await on.json() as { recovery_codes: string[] }
  return { username, token, secret, codes: recovery_codes, step }
}

async function me(token: string) {
  const res = await fetch('/api/me', { headers: bearer(token) })
  expect(res.status).toBe(200)
  return res.json() as Promise<{ two_factor: boolean, recovery_codes_left: number }>
}

describe('two-factor setup and enable', () => {
  it('answers a secret and otpauth URL, stores the secret encrypted, and changes nothing until enabled', async () => {
    const { username, token } = await signUp()
    const res = await setup(token)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const body = await res.json() as { secret: string, otpauth_url: string }
    expect(Object.keys(body).sort()).toEqual(['otpauth_url', 'secret'])
    expect(body.secret).toMatch(/^[A-Z2-7]{32}$/)
    const url = new URL(body.otpauth_url)
    expect(url.protocol).toBe('otpauth:')
    expect(url.searchParams.get('secret')).toBe(body.secret)
    expect(decodeURIComponent(url.pathname)).toContain(username)
    const [row] = await query<{ totp_secret: string, totp_enabled_at: Date | null }>('SELECT totp_secret, totp_enabled_at FROM users WHERE id = ?', [await userId(token)])
    expect(row!.totp_secret).toMatch(/^v1\./)
    expect(row!.totp_secret).not.toContain(body.secret)
    expect(row!.totp_enabled_at).toBeNull()
    expect((await me(token)).two_factor).toBe(false)
    expect((await login(username)).status).toBe(200)
  })

  it('refuses a wrong first code, then enables with the right one and hands out ten recovery codes stored hashed', async () => {
    const { token } = await signUp()
    const { secret } = await (await setup(token)).json() as { secret: string }
    const wrong = String((Number(codeAt(secret, nowStep())) + 1) % 1_000_000).padStart(6, '0')
    await expectApiError(await enable(token, wrong), 400, 'TOTP_CODE_INVALID')
    expect((await me(token)).two_factor).toBe(false)
    const res = await enable(token, codeAt(secret, nowStep()))
    expect(res.status).toBe(200)
    const { recovery_codes } = await res.json() as { recovery_codes: string[] }
    expect(recovery_codes).toHaveLength(10)
    expect(new Set(recovery_codes).size).toBe(10)
    const rows = await query<{ code_hash: string }>('SELECT code_hash FROM recovery_codes WHERE user_id = ?', [await userId(token)])
    expect(rows).toHaveLength(10)
    for (const row of rows) expect(row.code_hash).toMatch(/^[0-9a-f]{64}$/)
    expect(rows.map(r => r.code_hash)).not.toContain(recovery_codes[0])
    expect(await me(token)).toMatchObject({ two_factor: true, recovery_codes_left: 10 })
  })

  it('refuses enable without a setup (409 TOTP_NOT_PENDING) and a new setup while on (409 TOTP_ENABLED)', async () => {
    const { token } = await signUp()
    await expectApiError(await enable(token, '123456'), 409, 'TOTP_NOT_PENDING')
    const user = await twoFactorUser()
    await expectApiError(await setup(user.token), 409, 'TOTP_ENABLED')
    await expectApiError(await enable(user.token, codeAt(user.secret, nowStep())), 409, 'TOTP_ENABLED')
  })

  it('enables once under 50 parallel enables with the right code', async () => {
    const { token } = await signUp()
    const { secret } = await (await setup(token)).json() as { secret: string }
    const code = codeAt(secret, nowStep())
    const answers = await Promise.all(Array.from({ length: 50 }, () => enable(token, code)))
    const statuses = answers.map(r => r.status)
    expect(statuses.filter(s => s === 200)).toHaveLength(1)
    expect(statuses.filter(s => s === 409)).toHaveLength(49)
    const [row] = await query<{ n: number }>('SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = ?', [await userId(token)])
    expect(Number(row!.n)).toBe(10)
  })

  it.each([
    [{ code: 'abcdef' }, 'VALIDATION_ERROR'], [{ code: '12345' }, 'VALIDATION_ERROR'], [{ code: 123456 }, 'VALIDATION_ERROR'],
    [{}, 'VALIDATION_ERROR'], [{ code: '123456', extra: 1 }, 'VALIDATION_ERROR'],
  ])('refuses the enable body %j with 400', async (body, code) => {
    const { token } = await signUp()
    await setup(token)
    await expectApiError(await postJson('/api/account/2fa/enable', body, bearer(token)), 400, code)
  })
})

describe('signing in with two-factor', () => {
  it('asks for the code only after the right password, then accepts the code once', async () => {
    const user = await twoFactorUser()
    await expectApiError(await login(user.username, {}, 'wrong password!'), 401, 'INVALID_CREDENTIALS')
    await expectApiError(await login(user.username, { totp: codeAt(user.secret, user.step + 1) }, 'wrong password!'), 401, 'INVALID_CREDENTIALS')
    await expectApiError(await login(user.username), 401, 'TOTP_REQUIRED')
    // The enabling code was used: it never signs in (replay).
    await expectApiError(await login(user.username, { totp: codeAt(user.secret, user.step) }), 401, 'TOTP_INVALID')
    const code = codeAt(user.secret, user.step + 1)
    const ok = await login(user.username, { totp: code })
    expect(ok.status).toBe(200)
    expect((await ok.json()).token).toEqual(expect.any(String))
    await expectApiError(await login(user.username, { totp: code }), 401, 'TOTP_INVALID')
    await expectApiError(await login(user.username, { totp: '000000x' }), 401, 'TOTP_INVALID')
  })

  it('refuses a code of an older step once a newer one was used, and a code far from now', async () => {
    const user = await twoFactorUser()
    expect((await login(user.username, { totp: codeAt(user.secret, user.step + 1) })).status).toBe(200)
    // The window allows step - 1 .. step + 1, but everything up to the last accepted step is spent.
    await expectApiError(await login(user.username, { totp: codeAt(user.secret, nowStep() - 1) }), 401, 'TOTP_INVALID')
    await expectApiError(await login(user.username, { totp: codeAt(user.secret, nowStep() + 5) }), 401, 'TOTP_INVALID')
  })

  it('signs in once under 50 parallel logins with the same fresh code', async () => {
    const user = await twoFactorUser()
    const code = codeAt(user.secret, user.step + 1)
    const answers = await Promise.all(Array.from({ length: 50 }, () => login(user.username, { totp: code })))
    const statuses = answers.map(r => r.status)
    // The per-user login limit (10 here) counts before comparing: most of the 50 are refused with 429 first.
    expect(statuses.filter(s => s === 200)).toHaveLength(1)
    expect(statuses.filter(s => s !== 200).every(s => s === 401 || s === 429)).toBe(true)
    for (const res of answers.filter(r => r.status === 401)) expect((await res.json()).code).toBe('TOTP_INVALID')
  })

  it('accepts each recovery code once, in any case and spacing, and counts down', async () => {
    const user = await twoFactorUser()
    const [first, second] = user.codes as [string, string]
    const ok = await login(user.username, { recovery_code: ` ${first.toUpperCase().replace('-', ' ')} ` })
    expect(ok.status).toBe(200)
    await expectApiError(await login(user.username, { recovery_code: first }), 401, 'TOTP_INVALID')
    const answers = await Promise.all(Array.from({ length: 50 }, () => login(user.username, { recovery_code: second })))
    expect(answers.filter(r => r.status === 200)).toHaveLength(1)
    expect((await me(user.token)).recovery_codes_left).toBe(8)
    await expectApiError(await login(user.username, { recovery_code: 'aaaaa-bbbbb' }), 401, 'TOTP_INVALID')
  })

  it('counts wrong codes like wrong passwords (429 past the per-user limit), but not a missing code', async () => {
    const user = await twoFactorUser()
    for (let i = 0; i < 15; i++) await expectApiError(await login(user.username), 401, 'TOTP_REQUIRED')
    for (let i = 0; i < 10; i++) await expectApiError(await login(user.username, { totp: 'nope' }), 401, 'TOTP_INVALID')
    const limited = await login(user.username, { totp: codeAt(user.secret, user.step + 1) })
    await expectApiError(limited, 429, 'RATE_LIMITED')
    // The missing-code step does not reset what the wrong codes counted either.
    await expectApiError(await login(user.username), 429, 'RATE_LIMITED')
  })
})

describe('turning two-factor off', () => {
  it('needs the password (403 WRONG_PASSWORD), then signs in with the password alone and forgets the codes', async () => {
    const user = await twoFactorUser()
    await expectApiError(await authed(user.token, 'DELETE', { password: 'not my password' }), 403, 'WRONG_PASSWORD')
    expect((await me(user.token)).two_factor).toBe(true)
    await expectApiError(await authed(user.token, 'DELETE', {}), 400, 'VALIDATION_ERROR')
    const res = await authed(user.token, 'DELETE', { password: PASSWORD })
    expect(res.status).toBe(200)
    expect(await me(user.token)).toMatchObject({ two_factor: false, recovery_codes_left: 0 })
    expect((await login(user.username)).status).toBe(200)
    const id = await userId(user.token)
    expect(await query('SELECT id FROM recovery_codes WHERE user_id = ?', [id])).toEqual([])
    const [row] = await query<{ totp_secret: string | null }>('SELECT totp_secret FROM users WHERE id = ?', [id])
    expect(row!.totp_secret).toBeNull()
  })

  it('refuses every two-factor route without a session', async () => {
    await expectApiError(await fetch('/api/account/2fa/setup', { method: 'POST' }), 401, 'UNAUTHORIZED')
    await expectApiError(await postJson('/api/account/2fa/enable', { code: '123456' }), 401, 'UNAUTHORIZED')
    await expectApiError(await fetch('/api/account/2fa', { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: '{"password":"x"}' }), 401, 'UNAUTHORIZED')
  })
})

describe('a two-factor secret the server cannot decrypt (SECRET_KEY changed since it was stored)', () => {
  it('answers a code with 401 TOTP_INVALID, never a 500, and still takes a recovery code', async () => {
    const { username, token, secret, codes, step } = await twoFactorUser()
    const id = await userId(token)
    const [row] = await query<{ totp_secret: string }>('SELECT totp_secret FROM users WHERE id = ?', [id])
    // Another key's ciphertext fails GCM's authentication the same way as this flipped last character.
    const stored = row!.totp_secret
    const tampered = stored.slice(0, -2) + (stored.endsWith('AA') ? 'BB' : 'AA')
    await query('UPDATE users SET totp_secret = ? WHERE id = ?', [tampered, id])
    await expectApiError(await login(username, { totp: codeAt(secret, step + 1) }), 401, 'TOTP_INVALID')
    const res = await login(username, { recovery_code: codes[0]! })
    expect(res.status).toBe(200)
    await res.arrayBuffer()
  })
})
