import { fetch } from '@nuxt/test-utils/e2e'
import { beforeAll, describe, expect, it } from 'vitest'
import { PASSWORD, postJson, signUp } from '../setup/api'
import { startServer } from '../setup/server'
import { userId } from '../support/accounts'
import { sessionRows } from '../support/db'
import { expectApiError, UNAUTHORIZED } from '../support/errors'

// Production behind TLS: the address people use is https (the tests still speak http to the server
// itself, as the TLS-terminating proxy would).
const PUBLIC = 'https://photos.example.org'
const { port } = await startServer({ PUBLIC_URL: PUBLIC })

const HOST_COOKIE = '__Host-gallery_token'

let user: { username: string, id: number }

beforeAll(async () => {
  const { username, token } = await signUp()
  user = { username, id: await userId(token) }
})

/** A fresh login's Set-Cookie header and its cookie token. */
async function login() {
  const res = await postJson('/api/login', { username: user.username, password: PASSWORD })
  expect(res.status).toBe(200)
  const setCookie = res.headers.get('set-cookie') ?? ''
  return { setCookie, token: new RegExp(`^${HOST_COOKIE}=([^;]+)`).exec(setCookie)?.[1] ?? '' }
}

describe('the auth cookie behind TLS is a __Host- cookie (issue 11.6)', () => {
  it('is set as __Host-gallery_token: Secure, Path=/, no Domain, HttpOnly', async () => {
    const { setCookie, token } = await login()
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
    expect(setCookie).toMatch(/;\s*Secure(;|$)/i)
    expect(setCookie).toMatch(/;\s*Path=\/(;|$)/i)
    expect(setCookie).toMatch(/;\s*HttpOnly/i)
    expect(setCookie).not.toMatch(/;\s*Domain=/i)
  })

  it('authenticates by the __Host- cookie and not by a look-alike without the prefix', async () => {
    const { token } = await login()
    expect((await fetch('/api/me', { headers: { cookie: `${HOST_COOKIE}=${token}` } })).status).toBe(200)
    await expectApiError(await fetch('/api/me', { headers: { cookie: `gallery_token=${token}` } }), 401)
  })

  it('refuses a request carrying the __Host- cookie twice', async () => {
    const { token } = await login()
    const res = await fetch('/api/me', { headers: { cookie: `${HOST_COOKIE}=${token}; ${HOST_COOKIE}=${token}` } })
    expect(await expectApiError(res, 401)).toEqual(UNAUTHORIZED)
  })

  it('clears the __Host- cookie on logout, with the attributes that let the browser drop it', async () => {
    const { token } = await login()
    const res = await fetch('/api/logout', { method: 'POST', headers: { cookie: `${HOST_COOKIE}=${token}`, origin: PUBLIC } })
    expect(res.status).toBe(200)
    const cleared = res.headers.get('set-cookie') ?? ''
    expect(cleared).toMatch(new RegExp(`^${HOST_COOKIE}=;`))
    expect(cleared).toMatch(/;\s*Secure(;|$)/i)
    expect(cleared).toMatch(/;\s*Path=\/(;|$)/i)
  })
})

describe('the CSRF check compares the whole origin with PUBLIC_URL', () => {
  it('accepts a cookie-authenticated write from PUBLIC_URL\'s own origin', async () => {
    const { token } = await login()
    const res = await fetch('/api/refresh', { method: 'POST', headers: { cookie: `${HOST_COOKIE}=${token}`, origin: PUBLIC } })
    expect(res.status).toBe(200)
  })

  it.each([
    ['the right host over http instead of https', 'http://photos.example.org'],
    ['the right host and scheme on another port', 'https://photos.example.org:8443'],
    ['the origin the request\'s own Host header names', ''],
  ])('refuses %s with 403 CSRF_REJECTED and changes nothing', async (_, origin) => {
    const { token } = await login()
    const before = await sessionRows(user.id)
    const res = await fetch('/api/refresh', { method: 'POST', headers: { cookie: `${HOST_COOKIE}=${token}`, origin: origin || `http://127.0.0.1:${port}` } })
    await expectApiError(res, 403, 'CSRF_REJECTED')
    expect(await sessionRows(user.id)).toEqual(before)
  })
})
