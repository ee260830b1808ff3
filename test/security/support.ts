import { randomBytes } from 'node:crypto'
import { readdir, stat } from 'node:fs/promises'
import { request } from 'node:http'
import { join, relative } from 'node:path'
import { fetch, url } from '@nuxt/test-utils/e2e'
import { SignJWT } from 'jose'
import mysql from 'mysql2/promise'
import sharp from 'sharp'
import { afterAll, beforeAll, expect, inject } from 'vitest'
import { bearer, signUp, uniqueName } from '../setup/api'

// ---------------------------------------------------------------------------------------------
// Error responses

/** What no error body may ever contain: stack frames, SQL, library names, disk paths. */
export const LEAK_PATTERNS: RegExp[] = [
  /\bat \S+ \(/, /\bat .*\.(mjs|js|ts)\b/, /node:internal/,
  /\bSELECT\b/i, /\bINSERT\b/i, /\bUPDATE\b.*\bSET\b/i, /\bER_[A-Z_]+/, /\bsqlMessage\b/, /\bstack\b/i,
  /mysql/i, /mariadb/i, /drizzle/i, /busboy/i, /sharp/i, /\bh3\b/i, /\bjose\b/i, /bcrypt/i, /vips/i, /\bzod\b/i,
  /\/tmp\//, /\/work\//, /\/home\//, /\.output\//, /[A-Z]:\\/,
]

/** Asserts that a response text carries none of the internals in LEAK_PATTERNS, nor the given paths. */
export function expectNoLeak(text: string, ...paths: string[]) {
  for (const pattern of LEAK_PATTERNS) expect(text, `response leaks ${pattern}`).not.toMatch(pattern)
  for (const path of paths) expect(text, 'response leaks a disk path').not.toContain(path)
}

/**
 * Asserts an API error: the status, a JSON body of exactly `{message, code}` (both non-empty strings),
 * the code when given, and no leaked internals. Returns the body.
 */
export async function expectApiError(res: Response, status: number, code?: string | RegExp): Promise<{ message: string, code: string }> {
  const text = await res.text()
  expect(res.status, `status (body: ${text.slice(0, 300)})`).toBe(status)
  expect(res.headers.get('content-type') ?? '').toMatch(/^application\/json/)
  const body = JSON.parse(text)
  expect(body !== null && typeof body === 'object' && !Array.isArray(body)).toBe(true)
  expect(Object.keys(body).sort()).toEqual(['code', 'message'])
  expect(typeof body.message).toBe('string')
  expect(typeof body.code).toBe('string')
  expect(body.message.length).toBeGreaterThan(0)
  expect(body.code).toMatch(/^[A-Z][A-Z0-9_]*$/)
  if (typeof code === 'string') expect(body.code).toBe(code)
  else if (code) expect(body.code).toMatch(code)
  expectNoLeak(text)
  return body
}

export const UNAUTHORIZED = { message: '未登录或登录已过期', code: 'UNAUTHORIZED' }

// ---------------------------------------------------------------------------------------------
// The run's database, read directly

let pool: mysql.Pool | undefined

/** A pool on the run's throwaway database (closed after the file). */
export function db(): mysql.Pool {
  if (!pool) {
    pool = mysql.createPool({ host: process.env.DB_HOST ?? '127.0.0.1', port: Number(process.env.DB_PORT ?? 3306), user: process.env.DB_USER ?? 'root', password: process.env.DB_PASSWORD ?? '', database: inject('dbName'), connectionLimit: 4 })
    afterAll(async () => { await pool?.end(); pool = undefined })
  }
  return pool
}

export async function query<T = any>(sql: string, params: unknown[] = []): Promise<T[]> {
  const [rows] = await db().query(sql, params)
  return rows as T[]
}

/** Rows in `users` whose case-folded name is one of the given strings. */
export async function usersNamed(...names: string[]): Promise<number> {
  if (names.length === 0) return 0
  const keys = names.map(n => n.normalize('NFC').toLowerCase())
  const [row] = await query<{ n: number }>('SELECT COUNT(*) AS n FROM users WHERE username_key IN (?)', [keys])
  return Number(row!.n)
}

export async function imageRows(userId: number): Promise<number> {
  const [row] = await query<{ n: number }>('SELECT COUNT(*) AS n FROM images WHERE user_id = ?', [userId])
  return Number(row!.n)
}

export async function sessionRows(userId: number): Promise<Array<{ id: string, jti: string }>> {
  return query('SELECT id, jti FROM sessions WHERE user_id = ? ORDER BY id', [userId])
}

// ---------------------------------------------------------------------------------------------
// Users

/** The id of the token's user, from /api/me. */
export async function userId(token: string): Promise<number> {
  const res = await fetch('/api/me', { headers: bearer(token) })
  if (res.status !== 200) throw new Error(`/api/me answered ${res.status}`)
  return (await res.json()).id
}

export async function listImages(token: string): Promise<Array<{ id: number, filename: string, url: string, thumbnail_url: string }>> {
  const res = await fetch('/api/images', { headers: bearer(token) })
  if (res.status !== 200) throw new Error(`/api/images answered ${res.status}`)
  return res.json()
}

/** The session cookie (`name=value`) of a fresh login. */
export async function loginCookie(username: string, password: string): Promise<string> {
  const res = await fetch('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
  if (res.status !== 200) throw new Error(`login answered ${res.status}`)
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!
}

// ---------------------------------------------------------------------------------------------
// Files

/** Every file under a folder (recursively, hidden ones and `.tmp/` included), relative to it, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])
  return entries.filter(e => !e.isDirectory()).map(e => relative(dir, join(e.parentPath, e.name))).sort()
}

export const tmpFiles = (uploadFolder: string) => listFiles(join(uploadFolder, '.tmp'))

export const exists = (path: string) => stat(path).then(() => true, () => false)

/** Polls until the check holds or the time is up; returns whether it held. */
export async function until(check: () => Promise<boolean>, ms = 5000, every = 50): Promise<boolean> {
  const end = Date.now() + ms
  for (;;) {
    if (await check()) return true
    if (Date.now() > end) return false
    await new Promise(r => setTimeout(r, every))
  }
}

// ---------------------------------------------------------------------------------------------
// Multipart bodies built by hand (FormData would escape or normalise exactly what these tests send)

export interface Part {
  name: string
  /** `filename="…"` as given (no escaping). */
  filename?: string
  /** `filename*=UTF-8''…` percent-encoded from this value. */
  filenameStar?: string
  type?: string
  data: Buffer | string
}

/** RFC 8187 ext-value encoding: everything but attr-chars percent-encoded. */
const rfc8187 = (value: string) => encodeURIComponent(value).replace(/['()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase())

export const BOUNDARY = '----gallery-security-7MA4YWxkTrZu0gW'

/** The bytes of a multipart/form-data body and its content type. */
export function multipart(parts: Part[], boundary = BOUNDARY, close = true): { body: Buffer, contentType: string } {
  const chunks: Buffer[] = []
  for (const part of parts) {
    let disposition = `form-data; name="${part.name}"`
    if (part.filename !== undefined) disposition += `; filename="${part.filename}"`
    if (part.filenameStar !== undefined) disposition += `; filename*=UTF-8''${rfc8187(part.filenameStar)}`
    let head = `--${boundary}\r\nContent-Disposition: ${disposition}\r\n`
    if (part.type) head += `Content-Type: ${part.type}\r\n`
    chunks.push(Buffer.from(head + '\r\n', 'utf8'), Buffer.from(part.data), Buffer.from('\r\n'))
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` }
}

/** The prologue of a one-file multipart body (everything before the file's bytes). */
export const filePrologue = (filename = 'big.png', boundary = BOUNDARY) =>
  Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: image/png\r\n\r\n`)
export const fileEpilogue = (boundary = BOUNDARY) => Buffer.from(`\r\n--${boundary}--\r\n`)

/** POSTs raw bytes to the upload route. */
export function postUpload(token: string, body: Buffer | string, contentType: string, headers: Record<string, string> = {}) {
  return fetch('/api/images/upload', { method: 'POST', headers: { ...bearer(token), 'content-type': contentType, ...headers }, body: typeof body === 'string' ? body : new Uint8Array(body) })
}

export function uploadParts(token: string, parts: Part[]) {
  const { body, contentType } = multipart(parts)
  return postUpload(token, body, contentType)
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP (chunked bodies, declared lengths, clients that go away)

export interface RawResponse { status: number, headers: Record<string, string | string[] | undefined>, text: string }

/**
 * Sends a request with node:http, writing `chunks` one after another (respecting back-pressure) and
 * stopping early once the server has answered or closed the connection. Resolves with the response.
 */
export function rawRequest(path: string, options: { method?: string, headers: Record<string, string>, chunks: Iterable<Buffer>, end?: boolean }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url(path))
    let answered = false
    const req = request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: options.method ?? 'POST', headers: options.headers })
    req.on('response', (res) => {
      answered = true
      const parts: Buffer[] = []
      res.on('data', (c: Buffer) => parts.push(c))
      res.on('end', () => {
        resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(parts).toString('utf8') })
        req.destroy()
      })
      res.on('error', reject)
    })
    req.on('error', (error) => {
      // The server may close the connection after answering while we are still writing: that is fine.
      if (!answered) setTimeout(() => { if (!answered) reject(error) }, 500)
    })
    ;(async () => {
      for (const chunk of options.chunks) {
        if (answered || req.destroyed) return
        if (!req.write(chunk)) {
          await new Promise<void>((resolve) => {
            const done = () => { req.off('drain', done); req.off('close', done); resolve() }
            req.on('drain', done).on('close', done)
          })
        }
      }
      if (options.end !== false && !answered && !req.destroyed) req.end()
    })().catch(() => { /* reported through the request's error event */ })
  })
}

// ---------------------------------------------------------------------------------------------
// Tokens

export const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

export function decodeToken(token: string): { header: any, payload: any, signature: string } {
  const [h, p, s] = token.split('.')
  return { header: JSON.parse(Buffer.from(h!, 'base64url').toString()), payload: JSON.parse(Buffer.from(p!, 'base64url').toString()), signature: s! }
}

/** Signs arbitrary claims with an arbitrary HMAC key and algorithm (HS256/384/512). */
export async function signWith(payload: Record<string, unknown>, key: string | Uint8Array, alg = 'HS256', header: Record<string, unknown> = {}): Promise<string> {
  const secret = typeof key === 'string' ? new TextEncoder().encode(key) : key
  return new SignJWT(payload).setProtectedHeader({ typ: 'JWT', ...header, alg }).sign(secret)
}

export const randomKey = () => randomBytes(32)

// ---------------------------------------------------------------------------------------------
// Images

/** Random pixels (does not compress away, so a cut really cuts pixel data). */
export function noiseImage(format: 'png' | 'jpeg' | 'gif', width = 160, height = 160): Promise<Buffer> {
  const pixels = randomBytes(width * height * 3)
  return sharp(pixels, { raw: { width, height, channels: 3 } }).toFormat(format).toBuffer()
}

/**
 * A user registered before the file's tests, and a check that a refused request left their account,
 * sessions and token exactly as they were.
 */
export function useVictim() {
  const victim = { username: '', token: '', id: 0, row: undefined as unknown }
  const victimRow = async () => (await query('SELECT id, username, username_key, password, created_at FROM users WHERE id = ?', [victim.id]))[0]
  beforeAll(async () => {
    const { username, token } = await signUp(uniqueName('vic'))
    Object.assign(victim, { username, token, id: await userId(token) })
    victim.row = await victimRow()
  })
  async function expectVictimUntouched(sessionsBefore: unknown) {
    expect(await victimRow()).toEqual(victim.row)
    expect(await sessionRows(victim.id)).toEqual(sessionsBefore)
    expect((await fetch('/api/me', { headers: bearer(victim.token) })).status).toBe(200)
  }
  return { victim, expectVictimUntouched }
}
