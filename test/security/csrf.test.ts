import { fetch, url } from '@nuxt/test-utils/e2e'
import { beforeAll, describe, expect, it } from 'vitest'
import { bearer, makeImage, PASSWORD, signUp, upload } from '../setup/api'
import { startServer } from '../setup/server'
import { listImages, loginCookie, userId } from '../support/accounts'
import { sessionRows, thumbnailsMade } from '../support/db'
import { expectApiError } from '../support/errors'
import { listFiles } from '../support/files'
import { multipart } from '../support/multipart'
import { rawRequest } from '../support/rawHttp'

const { uploadFolder } = await startServer()

let user: { username: string, token: string, id: number }
let ownOrigin: string
let otherPortOrigin: string
let otherSchemeOrigin: string
let aliasOrigin: string

beforeAll(async () => {
  const { username, token } = await signUp()
  user = { username, token, id: await userId(token) }
  const own = new URL(url('/'))
  ownOrigin = own.origin
  otherPortOrigin = `${own.protocol}//${own.hostname}:${Number(own.port) === 1 ? 2 : 1}`
  otherSchemeOrigin = `https://${own.host}`
  aliasOrigin = `${own.protocol}//localhost:${own.port}`
})

let cachedCookie = ''

/** A working session cookie: the last one while it still works (refused requests must not end it), else a new login. */
async function sessionCookie(): Promise<string> {
  if (cachedCookie && (await fetch('/api/me', { headers: { cookie: cachedCookie } })).status === 200) return cachedCookie
  cachedCookie = await loginCookie(user.username, PASSWORD)
  return cachedCookie
}

/** A fresh image whose thumbnail (made in the background) is already on disk, so the file listing holds still. */
async function newImage(): Promise<{ id: number, url: string }> {
  const image = (await (await upload(user.token, await makeImage('png', 12, 12), 'csrf.png')).json()).image as { id: number, url: string }
  await thumbnailsMade([image.id])
  return image
}

type Send = (headers: Record<string, string>) => Promise<Response>

/** Every state-changing route: `prepare` makes what the request needs (an image to delete, a body) and returns the sender. */
const WRITES: Array<[name: string, prepare: () => Promise<Send>]> = [
  ['DELETE an image', async () => {
    const { id } = await newImage()
    return headers => fetch(`/api/images/delete/${id}`, { method: 'DELETE', headers })
  }],
  ['POST /api/logout', async () => headers => fetch('/api/logout', { method: 'POST', headers })],
  ['POST /api/refresh', async () => headers => fetch('/api/refresh', { method: 'POST', headers })],
  ['POST an upload', async () => {
    const { body, contentType } = multipart([{ name: 'file', filename: 'forged.png', type: 'image/png', data: await makeImage('png', 8, 8) }])
    return headers => fetch('/api/images/upload', { method: 'POST', headers: { ...headers, 'content-type': contentType }, body: new Uint8Array(body) })
  }],
]
const prepareUpload = WRITES[3]![1]

const CROSS_SITE: Array<[string, () => Record<string, string>]> = [
  ['Origin: https://evil.example', () => ({ origin: 'https://evil.example' })],
  ['Sec-Fetch-Site: cross-site', () => ({ 'sec-fetch-site': 'cross-site' })],
  ['Sec-Fetch-Site: same-site (a sibling subdomain)', () => ({ 'sec-fetch-site': 'same-site' })],
  ['Origin: null (sandboxed frame, data: URL)', () => ({ origin: 'null' })],
  ['an Origin on the same host but another port', () => ({ origin: otherPortOrigin })],
  ['an Origin that only starts with ours', () => ({ origin: `${ownOrigin}.evil.example` })],
  ['our host and port over https instead of http (the scheme counts)', () => ({ origin: otherSchemeOrigin })],
  ['localhost for 127.0.0.1 (loopback aliases count only in development)', () => ({ origin: aliasOrigin })],
  ['Origin evil with X-Forwarded-Host set to match it', () => ({ 'origin': 'https://evil.example', 'x-forwarded-host': 'evil.example' })],
  ['our own Origin but Sec-Fetch-Site: cross-site', () => ({ 'origin': ownOrigin, 'sec-fetch-site': 'cross-site' })],
]

describe('a cookie-authenticated write from another site', () => {
  const cases = WRITES.flatMap(([route, send]) => CROSS_SITE.map(([what, headers]) => [route, what, send, headers] as const))

  it.each(cases)('%s with %s answers 403 CSRF_REJECTED and changes nothing', async (_, __, prepare, crossHeaders) => {
    const cookie = await sessionCookie()
    const send = await prepare()
    const images = await listImages(user.token)
    const files = await listFiles(uploadFolder)
    const sessions = await sessionRows(user.id)
    const res = await send({ cookie, ...crossHeaders() })
    await expectApiError(res, 403, 'CSRF_REJECTED')
    expect(res.headers.get('set-cookie')).toBeNull()
    expect(await listImages(user.token)).toEqual(images)
    expect(await listFiles(uploadFolder)).toEqual(files)
    expect(await sessionRows(user.id)).toEqual(sessions)
    expect((await fetch('/api/me', { headers: { cookie } })).status).toBe(200)
  })
})

describe('the Host header', () => {
  it('does not decide the origin: Origin and Host both naming evil.example are refused', async () => {
    const cookie = await sessionCookie()
    const sessions = await sessionRows(user.id)
    const res = await rawRequest('/api/refresh', { headers: { cookie, 'origin': 'http://evil.example', 'host': 'evil.example', 'content-length': '0' }, chunks: [] })
    expect(res.status).toBe(403)
    expect(JSON.parse(res.text).code).toBe('CSRF_REJECTED')
    expect(await sessionRows(user.id)).toEqual(sessions)
  })
})

describe('the same writes from the app\'s own origin', () => {
  it.each([
    ['Origin', () => ({ origin: ownOrigin })],
    ['Sec-Fetch-Site: same-origin', () => ({ 'sec-fetch-site': 'same-origin', 'origin': ownOrigin })],
  ])('succeed with the cookie and %s', async (_, sameOrigin) => {
    const cookie = await loginCookie(user.username, PASSWORD)
    const headers = { cookie, ...sameOrigin() }
    const image = await newImage()
    expect((await fetch(`/api/images/delete/${image.id}`, { method: 'DELETE', headers })).status).toBe(200)
    expect((await listImages(user.token)).map(i => i.id)).not.toContain(image.id)
    const uploaded = await (await prepareUpload())(headers)
    expect(uploaded.status).toBe(201)
    const refreshed = await fetch('/api/refresh', { method: 'POST', headers })
    expect(refreshed.status).toBe(200)
    const fresh = (refreshed.headers.get('set-cookie') ?? '').split(';')[0]!
    expect(fresh).toMatch(/^gallery_token=.+\..+\..+$/)
    expect((await fetch('/api/me', { headers: { cookie } })).status).toBe(401)
    const out = await fetch('/api/logout', { method: 'POST', headers: { ...headers, cookie: fresh } })
    expect(out.status).toBe(200)
    expect((await fetch('/api/me', { headers: { cookie: fresh } })).status).toBe(401)
  })
})

describe('a Bearer-authenticated request', () => {
  it.each(CROSS_SITE)('ignores %s (no ambient credential to abuse)', async (_, crossHeaders) => {
    const image = await newImage()
    const res = await fetch(`/api/images/delete/${image.id}`, { method: 'DELETE', headers: { ...bearer(user.token), ...crossHeaders() } })
    expect(res.status).toBe(200)
    expect((await listImages(user.token)).map(i => i.id)).not.toContain(image.id)
  })

  it('uploads and refreshes with Origin: https://evil.example', async () => {
    const { token } = await signUp()
    const evil = { 'origin': 'https://evil.example', 'sec-fetch-site': 'cross-site' }
    expect((await (await prepareUpload())({ ...bearer(token), ...evil })).status).toBe(201)
    expect((await fetch('/api/refresh', { method: 'POST', headers: { ...bearer(token), ...evil } })).status).toBe(200)
  })
})
