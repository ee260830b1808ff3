import { fetch } from '@nuxt/test-utils/e2e'
import { beforeAll, describe, expect, it } from 'vitest'
import { bearer, PASSWORD, postJson, signUp } from '../setup/api'
import { startServer } from '../setup/server'
import { expectApiError, UNAUTHORIZED } from '../support/errors'
import { rawRequest } from '../support/rawHttp'

await startServer()

let user: { username: string, token: string }

beforeAll(async () => {
  user = await signUp()
})

/** The cookie token of a fresh login of the test's user. */
async function cookieToken(username = user.username): Promise<string> {
  const res = await postJson('/api/login', { username, password: PASSWORD })
  return /gallery_token=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? ''
}

describe('responses with private data or a token are not stored by any cache (issue 11.5)', () => {
  it.each<[string, () => Promise<Response>]>([
    ['GET /api/me', async () => fetch('/api/me', { headers: bearer(user.token) })],
    ['POST /api/login', async () => postJson('/api/login', { username: user.username, password: PASSWORD })],
    ['POST /api/refresh', async () => fetch('/api/refresh', { method: 'POST', headers: bearer((await signUp()).token) })],
    ['POST /api/logout', async () => fetch('/api/logout', { method: 'POST', headers: bearer((await signUp()).token) })],
    ['a signed-in page load of /', async () => fetch('/', { headers: { cookie: `gallery_token=${await cookieToken()}` }, redirect: 'manual' })],
    ['a signed-in page load of /login', async () => fetch('/login', { headers: { cookie: `gallery_token=${await cookieToken()}` }, redirect: 'manual' })],
  ])('%s answers Cache-Control: no-store', async (_, send) => {
    const res = await send()
    expect(res.status).toBeLessThan(400)
    expect(res.headers.get('cache-control')).toBe('no-store')
  })

  it('renders the signed-in page with the user\'s name under no-store', async () => {
    const res = await fetch('/', { headers: { cookie: `gallery_token=${await cookieToken()}` } })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(await res.text()).toContain(user.username)
  })
})

describe('a request carrying the auth cookie twice (cookie tossing, issue 11.6)', () => {
  it('is answered 401 whichever of the two is valid', async () => {
    const mine = await cookieToken()
    const planted = await cookieToken((await signUp()).username)
    for (const cookie of [`gallery_token=${mine}; gallery_token=${mine}`, `gallery_token=${planted}; gallery_token=${mine}`, `gallery_token=${mine}; gallery_token=${planted}`]) {
      expect(await expectApiError(await fetch('/api/me', { headers: { cookie } }), 401)).toEqual(UNAUTHORIZED)
      expect(await expectApiError(await fetch('/api/images', { headers: { cookie } }), 401)).toEqual(UNAUTHORIZED)
    }
  })

  it('is answered 401 when the two come in two Cookie header lines', async () => {
    const mine = await cookieToken()
    const res = await rawRequest('/api/me', { method: 'GET', headers: { cookie: [`gallery_token=${mine}`, `gallery_token=${mine}`] as unknown as string }, chunks: [] })
    expect(res.status).toBe(401)
    expect(JSON.parse(res.text)).toEqual(UNAUTHORIZED)
  })

  it('renders a page load signed out and renews nothing', async () => {
    const mine = await cookieToken()
    const page = await fetch('/', { headers: { cookie: `gallery_token=${mine}; gallery_token=${mine}` }, redirect: 'manual' })
    expect([302, 307]).toContain(page.status)
    expect(page.headers.get('set-cookie') ?? '').not.toMatch(/gallery_token=[^;]+\./)
  })

  it('still accepts one auth cookie among other cookies whose names merely contain it', async () => {
    const mine = await cookieToken()
    const cookie = `xgallery_token=1; gallery_token_old=2; gallery_lang=en; gallery_token=${mine}`
    expect((await fetch('/api/me', { headers: { cookie } })).status).toBe(200)
  })
})
