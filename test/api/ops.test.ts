import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeImage } from '../setup/api'
import { type OwnServer, startOwnServer } from './upload-server'

// Operating the service (SPEC §11): request ids, one structured log line per request with no
// secret in it, /metrics behind its token, /livez and /readyz. A server of this file's own, so its
// whole log can be read.

const METRICS_TOKEN = `metrics-${randomBytes(12).toString('hex')}`
let server: OwnServer

beforeAll(async () => {
  server = await startOwnServer({ METRICS_TOKEN })
})
afterAll(() => server?.kill())

const json = (body: unknown, headers: Record<string, string> = {}) =>
  ({ method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })

interface LogLine { time: string, level: string, request_id: string, method: string, route: string, status: number, duration_ms: number, user_id: number | null }

/** The JSON request lines the server wrote so far. */
function requestLines(): LogLine[] {
  return server.output().split('\n').filter(line => line.startsWith('{')).map(line => JSON.parse(line) as LogLine).filter(line => 'request_id' in line && 'route' in line)
}

async function until(check: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) return false
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  return true
}

describe('request ids', () => {
  it('keeps a sane incoming X-Request-Id and replaces anything else', async () => {
    const kept = await server.fetch('/api/health', { headers: { 'x-request-id': 'trace-123.abc_XYZ' } })
    expect(kept.headers.get('x-request-id')).toBe('trace-123.abc_XYZ')
    const longest = '~'.repeat(200)
    expect((await server.fetch('/api/health', { headers: { 'x-request-id': longest } })).headers.get('x-request-id')).toBe(longest)
    for (const bad of ['has space', 'x'.repeat(201), 'tab\there', 'ünicode']) {
      const res = await server.fetch('/api/health', { headers: { 'x-request-id': bad } }).catch(() => undefined)
      if (!res) continue // the fetch client itself refuses some header values
      const id = res.headers.get('x-request-id')
      expect(id).not.toBe(bad)
      expect(id).toMatch(/^[0-9a-f-]{36}$/)
    }
    const fresh = await server.fetch('/api/health')
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('is on every kind of response: API (fast path), errors, pages, assets, health', async () => {
    for (const path of ['/api/images', '/api/no-such-route', '/login', '/favicon.svg', '/livez', '/readyz', '/metrics', '/no-such-page']) {
      const res = await server.fetch(path)
      await res.arrayBuffer()
      expect(res.headers.get('x-request-id'), path).toMatch(/^[0-9a-f-]{36}$/)
    }
  })
})

describe('logs', () => {
  it('writes one JSON line per request with the route template, and no secret of a realistic flow', async () => {
    const username = `logs_${randomBytes(4).toString('hex')}`
    const password = `Pw-${randomBytes(9).toString('base64url')}`
    const wrongPassword = `Wrong-${randomBytes(9).toString('base64url')}`
    expect((await server.fetch('/api/register', json({ username, password }))).status).toBe(201)
    const login = await server.fetch('/api/login', json({ username, password }))
    expect(login.status).toBe(200)
    const { token } = await login.json() as { token: string }
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!
    expect(cookie).toContain('=')
    const auth = { authorization: `Bearer ${token}` }
    const me = await (await server.fetch('/api/me', { headers: auth })).json() as { id: number }

    const form = new FormData()
    form.append('file', new Blob([new Uint8Array(await makeImage('png', 20, 10))], { type: 'image/png' }), 'log.png')
    const uploaded = await server.fetch('/api/images/upload', { method: 'POST', headers: auth, body: form })
    expect(uploaded.status).toBe(201)
    const { image: { id } } = await uploaded.json() as { image: { id: number } }
    const file = await server.fetch(`/api/images/${id}/file`, { headers: auth })
    expect(file.status).toBe(200)
    await file.arrayBuffer()

    const refreshed = await server.fetch('/api/refresh', { method: 'POST', headers: { cookie, origin: `http://127.0.0.1:${server.port}` } })
    expect(refreshed.status).toBe(200)
    const { token: newToken } = await refreshed.json() as { token: string }
    const newCookie = (refreshed.headers.get('set-cookie') ?? '').split(';')[0]!

    const shareToken = `abc${randomBytes(16).toString('base64url')}`
    await (await server.fetch(`/s/${shareToken}`)).arrayBuffer()
    await (await server.fetch(`/api/s/${shareToken}`)).arrayBuffer()
    await (await server.fetch(`/api/images?q=${shareToken}`, { headers: auth })).arrayBuffer()
    expect((await server.fetch('/api/login', json({ username, password: wrongPassword }))).status).toBe(401)
    const requestId = `flow-${randomBytes(6).toString('hex')}`
    expect((await server.fetch('/api/me', { headers: { ...auth, 'x-request-id': requestId } })).status).toBe(401)

    expect(await until(() => requestLines().some(line => line.request_id === requestId))).toBe(true)
    const log = server.output()
    for (const secret of [password, wrongPassword, token, newToken, cookie.split('=')[1]!, newCookie.split('=')[1]!, shareToken]) {
      expect(log, 'a secret reached the log').not.toContain(secret)
    }

    const lines = requestLines()
    const last = lines.find(line => line.request_id === requestId)!
    expect(last).toMatchObject({ level: 'info', method: 'GET', route: '/api/me', status: 401, user_id: null })
    expect(new Date(last.time).getTime()).toBeGreaterThan(Date.now() - 60_000)
    expect(last.duration_ms).toBeGreaterThanOrEqual(0)
    const routes = lines.map(line => `${line.method} ${line.route} ${line.status}`)
    expect(routes).toContain('POST /api/register 201')
    expect(routes).toContain('POST /api/login 200')
    expect(routes).toContain('POST /api/login 401')
    expect(routes).toContain('POST /api/images/upload 201')
    expect(routes).toContain('GET /api/images/:id/file 200')
    expect(routes.some(route => route.startsWith('GET /s/:token '))).toBe(true)
    const upload = lines.find(line => line.route === '/api/images/upload')!
    expect(upload.user_id).toBe(me.id)
    // Every line has every field; no raw path with an id in it.
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(['duration_ms', 'level', 'method', 'request_id', 'route', 'status', 'time', 'user_id'])
      expect(line.route).not.toMatch(/\/\d+(\/|$)/)
    }
  })

  it('answers a bad request {message, code} without any stack', async () => {
    const res = await server.fetch('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":' })
    expect(res.status).toBe(400)
    const body = await res.text()
    expect(body).not.toMatch(/at .*\.m?js:\d+/)
  })
})

describe('/metrics', () => {
  it('needs the bearer token', async () => {
    expect((await server.fetch('/metrics')).status).toBe(401)
    expect((await server.fetch('/metrics', { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401)
    expect((await server.fetch('/metrics', { headers: { authorization: METRICS_TOKEN } })).status).toBe(401)
  })

  it('shows request durations by route template, uploads, logins, the pool, event-loop lag and memory', async () => {
    const res = await server.fetch('/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/plain')
    const text = await res.text()
    expect(text).toMatch(/http_request_duration_seconds_bucket\{le="0.05",route="\/api\/images\/:id\/file",method="GET",status="200"\} \d+/)
    expect(text).toMatch(/http_request_duration_seconds_count\{route="\/s\/:token",method="GET",status="\d+"\} \d+/)
    expect(text).toMatch(/gallery_uploads_total [1-9]/)
    expect(text).toMatch(/gallery_upload_bytes_total [1-9]\d*/)
    expect(text).toMatch(/gallery_logins_total\{result="ok"\} [1-9]/)
    expect(text).toMatch(/gallery_logins_total\{result="failed"\} [1-9]/)
    expect(text).toMatch(/gallery_logins_total\{result="limited"\} \d/)
    expect(text).toMatch(/gallery_db_pool_connections\{state="open"\} [1-9]/)
    expect(text).toMatch(/nodejs_eventloop_lag_seconds \d/)
    expect(text).toMatch(/process_resident_memory_bytes \d/)
    expect(text).toMatch(/nodejs_heap_size_used_bytes \d/)
    // No raw path as a label.
    expect(text).not.toMatch(/route="[^"]*\/\d+/)
    expect(text).not.toMatch(/route="\/s\/abc/)
  })
})

describe('health', () => {
  it('/livez and /readyz answer {status, checks} and nothing more', async () => {
    const live = await server.fetch('/livez')
    expect(live.status).toBe(200)
    expect(await live.json()).toEqual({ status: 'ok', checks: {} })
    const ready = await server.fetch('/readyz')
    expect(ready.status).toBe(200)
    expect(ready.headers.get('cache-control')).toBe('no-store')
    expect(await ready.json()).toEqual({ status: 'ok', checks: { database: 'ok', storage: 'ok' } })
  })
})

describe('/metrics without METRICS_TOKEN', () => {
  it('is a 404 even with a token', async () => {
    const plain = await startOwnServer()
    try {
      expect((await plain.fetch('/metrics')).status).toBe(404)
      expect((await plain.fetch('/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(404)
    }
    finally {
      await plain.kill()
    }
  })
})
