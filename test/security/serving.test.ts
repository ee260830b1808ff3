import { connect } from 'node:net'
import { fetch, url } from '@nuxt/test-utils/e2e'
import { beforeAll, describe, expect, it } from 'vitest'
import { bearer, makeImage, postJson, signUp } from '../setup/api'
import { startServer } from '../setup/server'
import { query } from '../support/db'
import { expectApiError, expectNoLeak } from '../support/errors'
import { removeStored } from '../support/files'
import { multipart, type Part, postUpload, uploadParts } from '../support/multipart'

const { uploadFolder, port } = await startServer()

let token: string
let otherToken: string
let hygieneImage: { id: number, url: string, thumbnail_url: string }

// Only the top-level beforeAll may call the server: @nuxt/test-utils sets its context for tests and for this hook.
beforeAll(async () => {
  token = (await signUp()).token
  otherToken = (await signUp()).token
  hygieneImage = await uploadAs('hygiene.png', await makeImage('png'))
})

async function uploadAs(filename: string | { star: string }, data: Buffer, type = 'application/octet-stream') {
  const part: Part = typeof filename === 'string' ? { name: 'file', filename, type, data } : { name: 'file', filenameStar: filename.star, type, data }
  const res = await uploadParts(token, [part])
  expect(res.status).toBe(201)
  return (await res.json()).image as { id: number, filename: string, url: string, thumbnail_url: string }
}

/** The headers every image response (original or thumbnail) must carry. */
function expectImageHeaders(res: Response) {
  expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  const csp = res.headers.get('content-security-policy') ?? ''
  const directives = csp.split(/[;,]/).map(d => d.trim())
  expect(directives).toContain('sandbox')
  expect(directives).toContain('default-src \'none\'')
  // Scripts fall back to default-src 'none'; an explicit script-src may only repeat that.
  for (const d of directives.filter(d => d.startsWith('script-src'))) expect(d).toBe('script-src \'none\'')
  expect(res.headers.get('content-disposition') ?? '').toMatch(/^inline; /)
  expect(res.headers.get('set-cookie')).toBeNull()
}

/** RFC 6266 / 8187: `inline; filename="<printable ASCII without " or \>"; filename*=UTF-8''<attr-chars and %XX>`. */
function parseDisposition(header: string): { fallback: string, exact: string } {
  const match = /^inline; filename="([^"\\]*)"; filename\*=UTF-8''([A-Za-z0-9!#$&+\-.^_`|~%]+)$/.exec(header)
  expect(match, `Content-Disposition: ${header}`).not.toBeNull()
  return { fallback: match![1]!, exact: decodeURIComponent(match![2]!) }
}

describe('stored content types', () => {
  it.each([
    ['png', 'image/png', 'picture.png'],
    ['jpeg', 'image/jpeg', 'picture.jpeg'],
    ['gif', 'image/gif', 'picture.gif'],
  ] as const)('serves a %s as %s with nosniff and a sandboxing CSP, original and thumbnail', async (format, type, name) => {
    const bytes = await makeImage(format, 50, 40)
    const image = await uploadAs(name, bytes)
    const original = await fetch(image.url, { headers: bearer(token) })
    expect(original.status).toBe(200)
    expect(original.headers.get('content-type')).toBe(type)
    expectImageHeaders(original)
    expect(parseDisposition(original.headers.get('content-disposition')!)).toEqual({ fallback: name, exact: name })
    expect(Buffer.from(await original.arrayBuffer()).equals(bytes)).toBe(true)
    const thumb = await fetch(image.thumbnail_url, { headers: bearer(token) })
    expect(thumb.status).toBe(200)
    expect(thumb.headers.get('content-type')).toBe('image/webp')
    expectImageHeaders(thumb)
  })

  it.each([
    ['text/html', 'image/png'],
    ['image/svg+xml', 'image/png'],
    ['application/x-php', 'image/png'],
  ])('ignores a client-declared part type %s and serves the decoded type', async (declared, served) => {
    const image = await uploadAs('declared.png', await makeImage('png'), declared)
    const res = await fetch(image.url, { headers: bearer(token) })
    expect(res.headers.get('content-type')).toBe(served)
    expectImageHeaders(res)
  })

  it('serves a PNG with HTML appended (a polyglot) only as a sandboxed, nosniff image/png', async () => {
    const polyglot = Buffer.concat([await makeImage('png'), Buffer.from('<html><script>alert(document.domain)</script></html>')])
    const res = await uploadParts(token, [{ name: 'file', filename: 'poly.png', type: 'text/html', data: polyglot }])
    if (res.status !== 201) {
      // Refusing it outright is just as safe.
      await expectApiError(res, res.status)
      expect(res.status).toBeGreaterThanOrEqual(400)
      expect(res.status).toBeLessThan(500)
      return
    }
    const { image } = await res.json()
    const served = await fetch(image.url, { headers: bearer(token) })
    expect(served.headers.get('content-type')).toBe('image/png')
    expectImageHeaders(served)
  })
})

describe('Content-Disposition with hostile display names', () => {
  it.each<[string, string | { star: string }, string]>([
    ['double quotes', { star: 'say "cheese".png' }, 'say "cheese".png'],
    ['a quote that tries to close the parameter', { star: 'x"; filename="evil.html.png' }, 'x"; filename="evil.html.png'],
    ['semicolons and an equals sign', { star: 'a;b=c; d.png' }, 'a;b=c; d.png'],
    ['a CR/LF header injection', { star: 'a\r\nSet-Cookie: pwned=1\r\nX-Injected: 1.png' }, 'aSet-Cookie: pwned=1X-Injected: 1.png'],
    ['a tab and a DEL', { star: 'tab\there\u007F.png' }, 'tabhere.png'],
    ['CJK', { star: '照片 二〇二四.png' }, '照片 二〇二四.png'],
    ['emoji, parentheses, star and apostrophe', { star: 'naïve 😀 (1) *it\'s*.png' }, 'naïve 😀 (1) *it\'s*.png'],
    ['a literal percent sequence', { star: '100%25 done %0d%0a.png' }, '100%25 done %0d%0a.png'],
    ['a backslash-free Windows-looking name', { star: 'C:report.png' }, 'C:report.png'],
  ])('keeps the header well-formed for %s', async (_, name, expected) => {
    const image = await uploadAs(name, await makeImage('png'))
    expect(image.filename).toBe(expected)
    for (const path of [image.url, image.thumbnail_url]) {
      const res = await fetch(path, { headers: bearer(token) })
      expect(res.status).toBe(200)
      expectImageHeaders(res)
      expect(res.headers.get('x-injected')).toBeNull()
      const { fallback, exact } = parseDisposition(res.headers.get('content-disposition')!)
      expect(fallback).toMatch(/^[\x20-\x7E]*$/)
      expect(fallback).not.toMatch(/["\\]/)
      expect(exact).toBe(path === image.url ? expected : expected.replace(/\.[^.]*$/, '') + '.webp')
    }
  })
})

describe('error hygiene', () => {
  const multipartOf = (parts: Part[]) => multipart(parts)

  it.each<[string, () => Promise<Response>]>([
    ['malformed JSON on login', () => fetch('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":' })],
    ['a wrong-typed register body', () => postJson('/api/register', { username: { $gt: '' }, password: 1 })],
    ['an oversized JSON body', () => postJson('/api/login', { username: 'x', password: 'y', pad: 'z'.repeat(20000) })],
    ['JSON with invalid UTF-8 bytes', () => fetch('/api/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from([0x7B, 0x22, 0xC3, 0x28, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D]) })],
    ['a forged token', () => fetch('/api/me', { headers: bearer('eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.') })],
    ['an 8 KB bearer token', () => fetch('/api/me', { headers: bearer('a'.repeat(8192)) })],
    ['a cookie with broken percent-encoding', () => fetch('/api/me', { headers: { cookie: 'gallery_token=%E0%A4%A' } })],
    ['a non-numeric image id', () => fetch('/api/images/abc/file', { headers: bearer(token) })],
    ['an encoded path traversal as image id', () => fetch('/api/images/..%2F..%2Fetc%2Fpasswd/file', { headers: bearer(token) })],
    ['broken percent-encoding in the path', () => fetch('/api/images/%E0%A4%A/file', { headers: bearer(token) })],
    ['a junk variant', () => fetch(`/api/images/${hygieneImage.id}/file?variant=../../etc/passwd`, { headers: bearer(token) })],
    ['an unsatisfiable range', () => fetch(hygieneImage.url, { headers: { ...bearer(token), range: 'bytes=99999999999999999999-' } })],
    ['an unknown API route', () => fetch('/api/../api/admin')],
    ['a wrong method on login', () => fetch('/api/login', { method: 'PUT' })],
    ['PHP named .png', () => { const m = multipartOf([{ name: 'file', filename: 'x.png', data: '<?php ?>' }]); return postUpload(token, m.body, m.contentType) }],
    ['a truncated image', async () => {
      const png = await makeImage('png', 300, 300, '#123456')
      const m = multipartOf([{ name: 'file', filename: 'x.png', data: png.subarray(0, 120) }])
      return postUpload(token, m.body, m.contentType)
    }],
    ['a multipart body without a boundary', () => postUpload(token, 'x', 'multipart/form-data')],
    ['a multipart body cut short', () => postUpload(token, multipartOf([{ name: 'file', filename: 'x.png', data: 'abc' }]).body.subarray(0, 60), `multipart/form-data; boundary=${'----gallery-security-7MA4YWxkTrZu0gW'}`)],
  ])('answers %s with {message, code} only: no stack, SQL, library name or path', async (_, send) => {
    const res = await send()
    expect(res.status).toBeGreaterThanOrEqual(400)
    const body = await expectApiError(res, res.status)
    expectNoLeak(JSON.stringify(body), uploadFolder, process.cwd())
    expect(res.headers.get('x-powered-by')).toBeNull()
  })

  it('answers 404 without a disk path when a row\'s file has gone missing', async () => {
    const lost = await uploadAs('lost.png', await makeImage('png'))
    const [row] = await query<{ filepath: string }>('SELECT filepath FROM images WHERE id = ?', [lost.id])
    await removeStored(uploadFolder, row!.filepath)
    const res = await fetch(lost.url, { headers: bearer(token) })
    const text = JSON.stringify(await expectApiError(res, 404, 'IMAGE_NOT_FOUND'))
    expectNoLeak(text, uploadFolder, row!.filepath)
  })
})

// Headers that differ between any two responses (or depend on the connection), not on the method.
const VOLATILE = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'x-request-id'])
const stableHeaders = (res: Response) => Object.fromEntries([...res.headers].filter(([name]) => !VOLATILE.has(name)))

/** Everything the server sends back for a raw request: a HEAD answer must end with its headers. */
function rawExchange(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    socket.on('data', (chunk: Buffer) => { received += chunk.toString('latin1') })
    socket.on('close', () => resolve(received))
    socket.on('error', reject)
    // Written, not ended: Node's HTTP server drops a request whose client half-closes at once.
    socket.write(request)
  })
}

describe('HEAD on the owner\'s file route', () => {
  it.each<[string, (image: { url: string, thumbnail_url: string }) => string, Record<string, string>, number]>([
    ['the original', image => image.url, {}, 200],
    ['the thumbnail', image => image.thumbnail_url, {}, 200],
    ['a byte range of the original', image => image.url, { range: 'bytes=10-99' }, 206],
    ['a revalidation with the current ETag', image => image.url, { 'if-none-match': '*' }, 304],
  ])('answers like GET for %s: same status, same headers, no body', async (_, path, extra, status) => {
    const headers = { ...bearer(token), ...extra }
    const get = await fetch(path(hygieneImage), { headers })
    const head = await fetch(path(hygieneImage), { method: 'HEAD', headers })
    expect(get.status).toBe(status)
    expect(head.status).toBe(status)
    expect(stableHeaders(head)).toEqual(stableHeaders(get))
    expect((await head.arrayBuffer()).byteLength).toBe(0)
  })

  it('sends nothing after the headers (checked on the wire)', async () => {
    const path = new URL(url(hygieneImage.url)).pathname + new URL(url(hygieneImage.url)).search
    const answer = await rawExchange(`HEAD ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: ${bearer(token).authorization}\r\nConnection: close\r\n\r\n`)
    const [head, body] = answer.split('\r\n\r\n')
    expect(head).toMatch(/^HTTP\/1\.1 200 /)
    expect(head).toMatch(/\r\ncontent-length: [1-9]\d*\r\n/i)
    expect(body).toBe('')
  })

  it.each<[string, () => Record<string, string>, number]>([
    ['without a token', () => ({}), 401],
    ['as another user', () => bearer(otherToken), 404],
  ])('answers HEAD %s like GET', async (_, headers, status) => {
    const get = await fetch(hygieneImage.url, { headers: headers() })
    const head = await fetch(hygieneImage.url, { method: 'HEAD', headers: headers() })
    expect(get.status).toBe(status)
    expect(head.status).toBe(status)
  })
})

/** The Content-Security-Policy as a map of directive → sources. */
function parseCsp(header: string): Map<string, string[]> {
  const directives = new Map<string, string[]>()
  for (const part of header.split(';').map(p => p.trim()).filter(Boolean)) {
    const [name, ...sources] = part.split(/\s+/)
    directives.set(name!.toLowerCase(), sources)
  }
  return directives
}

const scriptNonce = (csp: Map<string, string[]>) =>
  (csp.get('script-src') ?? []).map(s => /^'nonce-([A-Za-z0-9+/_=-]+)'$/.exec(s)?.[1]).find(Boolean)

describe('security headers on pages', () => {
  it.each(['/login', '/register'])('%s carries a nonce CSP with frame-ancestors \'none\', nosniff and a Referrer-Policy', async (path) => {
    const res = await fetch(path, { redirect: 'manual' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    const header = res.headers.get('content-security-policy') ?? ''
    const csp = parseCsp(header)
    expect(csp.get('frame-ancestors')).toEqual(['\'none\''])
    expect(csp.get('object-src')).toEqual(['\'none\''])
    expect(csp.get('base-uri')).toEqual(['\'none\''])
    const scripts = csp.get('script-src') ?? []
    expect(scripts).not.toContain('\'unsafe-inline\'')
    expect(scripts).not.toContain('\'unsafe-eval\'')
    expect(scripts).not.toContain('*')
    const nonce = scriptNonce(csp)
    expect(nonce, `script-src: ${scripts.join(' ')}`).toBeDefined()
    expect(Buffer.from(nonce!, 'base64').length).toBeGreaterThanOrEqual(16)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('referrer-policy')).toMatch(/^(no-referrer|same-origin|strict-origin|strict-origin-when-cross-origin)$/)
    expect(res.headers.get('x-frame-options')).toBe('DENY')
    expect(res.headers.get('x-powered-by')).toBeNull()
    // Every script element in the page carries this response's nonce, and no other.
    const html = await res.text()
    const tags = html.match(/<script\b[^>]*>/gi) ?? []
    expect(tags.length).toBeGreaterThan(0)
    for (const tag of tags) expect(tag).toContain(`nonce="${nonce}"`)
  })

  it('uses a fresh nonce on every response', async () => {
    const nonces = await Promise.all([1, 2, 3].map(async () => scriptNonce(parseCsp((await fetch('/login')).headers.get('content-security-policy') ?? ''))))
    expect(nonces.every(Boolean)).toBe(true)
    expect(new Set(nonces).size).toBe(3)
  })

  it('keeps the headers on the not-found page', async () => {
    const res = await fetch('/no-such-page', { redirect: 'manual' })
    expect(res.status).toBe(404)
    expect(parseCsp(res.headers.get('content-security-policy') ?? '').get('frame-ancestors')).toEqual(['\'none\''])
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it.each(['/api/health', '/api/no-such-route'])('sends nosniff and no X-Powered-By on API response %s', async (path) => {
    const res = await fetch(path)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('x-powered-by')).toBeNull()
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
  })
})
