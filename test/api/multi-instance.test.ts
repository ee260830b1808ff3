import { randomBytes } from 'node:crypto'
import Redis from 'ioredis'
import mysql from 'mysql2/promise'
import { afterAll, describe, expect, it } from 'vitest'
import { makeImage, PASSWORD, uniqueName } from '../setup/api'
import { query } from '../support/db'
import { type OwnServer, scratchFolder, startOwnServer } from './upload-server'

// Several instances (SPEC §12): two production servers that share one MariaDB, one Redis and one
// storage (the same upload folder on the fs run, the same bucket on the api-s3 run) and nothing
// else. Whatever one of them decides, the other honours at once.

const REDIS_URL = 'redis://127.0.0.1:6379'
const prefix = `gallery-multi-${randomBytes(4).toString('hex')}`
const LOGIN_PER_USER = 10
const SHARED = { REDIS_URL, REDIS_PREFIX: prefix, RATE_LIMIT_LOGIN_PER_USER: String(LOGIN_PER_USER) }

const folder = await scratchFolder()
const [a, b] = await Promise.all([startOwnServer(SHARED, folder), startOwnServer(SHARED, folder)]) as [OwnServer, OwnServer]

const redis = new Redis(REDIS_URL, { lazyConnect: true })
afterAll(async () => {
  await Promise.all([a.kill(), b.kill()])
  const keys = await redis.keys(`${prefix}:*`)
  if (keys.length) await redis.del(...keys)
  redis.disconnect()
})

const json = (body: unknown, token?: string) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: JSON.stringify(body),
})
const auth = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })

async function signUpOn(server: OwnServer): Promise<{ username: string, token: string }> {
  const username = uniqueName('multi')
  expect((await server.fetch('/api/register', json({ username, password: PASSWORD }))).status).toBe(201)
  const login = await server.fetch('/api/login', json({ username, password: PASSWORD }))
  expect(login.status).toBe(200)
  return { username, token: (await login.json() as { token: string }).token }
}

async function uploadTo(server: OwnServer, token: string, bytes: Buffer, name = 'photo.png') {
  const form = new FormData()
  form.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), name)
  return server.fetch('/api/images/upload', { method: 'POST', ...auth(token), body: form })
}

describe('two instances sharing database, Redis and storage', () => {
  it('runs as two processes', () => {
    expect(a.pid).not.toBe(b.pid)
    expect(a.port).not.toBe(b.port)
  })

  it('accepts a session made on one instance on the other', async () => {
    const { username, token } = await signUpOn(a)
    const me = await b.fetch('/api/me', auth(token))
    expect(me.status).toBe(200)
    expect(await me.json()).toMatchObject({ username })
  })

  it('refuses on the other instance at once a token logged out on one', async () => {
    const { token } = await signUpOn(a)
    expect((await b.fetch('/api/me', auth(token))).status).toBe(200)
    expect((await a.fetch('/api/logout', json({}, token))).status).toBe(200)
    // No wait: the very next request to the other instance.
    expect((await b.fetch('/api/me', auth(token))).status).toBe(401)
    expect((await a.fetch('/api/me', auth(token))).status).toBe(401)
  })

  it('honours a refresh on one instance on the other at once: the new token works, the old one no longer', async () => {
    const { token: old } = await signUpOn(b)
    expect((await a.fetch('/api/me', auth(old))).status).toBe(200)
    const refreshed = await b.fetch('/api/refresh', json({}, old))
    expect(refreshed.status).toBe(200)
    const { token: fresh } = await refreshed.json() as { token: string }
    expect(fresh).not.toBe(old)
    expect((await a.fetch('/api/me', auth(old))).status).toBe(401)
    expect((await a.fetch('/api/me', auth(fresh))).status).toBe(200)
  })

  it('serves from one instance the image uploaded through the other (shared storage), byte for byte', async () => {
    const { token } = await signUpOn(a)
    const bytes = await makeImage('png', 80, 60)
    const uploaded = await uploadTo(a, token, bytes)
    expect(uploaded.status).toBe(201)
    const { image: { id } } = await uploaded.json() as { image: { id: number } }
    const file = await b.fetch(`/api/images/${id}/file`, auth(token))
    expect(file.status).toBe(200)
    expect(Buffer.from(await file.arrayBuffer()).equals(bytes)).toBe(true)
    expect((await b.fetch(`/api/images/${id}/file?variant=thumb`, auth(token))).status).toBe(200)
    // Deleted through b: gone on a as well.
    expect((await b.fetch(`/api/images/delete/${id}`, { method: 'DELETE', ...auth(token) })).status).toBe(200)
    const list = await a.fetch('/api/images', auth(token))
    expect(list.status).toBe(200)
    expect((await list.json() as Array<{ id: number }>).map(image => image.id)).not.toContain(id)
  })

  it('counts failed logins across both instances: of 50 parallel wrong passwords split over the two, exactly the limit are answered', async () => {
    const { username } = await signUpOn(a)
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) =>
      (i % 2 ? a : b).fetch('/api/login', json({ username, password: 'wrong password' })).then(res => res.status)))
    expect(answers.filter(status => status === 401)).toHaveLength(LOGIN_PER_USER)
    expect(answers.filter(status => status === 429)).toHaveLength(50 - LOGIN_PER_USER)
    // Locked out on both, even with the right password.
    expect((await a.fetch('/api/login', json({ username, password: PASSWORD }))).status).toBe(429)
    expect((await b.fetch('/api/login', json({ username, password: PASSWORD }))).status).toBe(429)
  })

  it('counts the storage quota across both instances: of parallel uploads split over the two, only what fits is kept', async () => {
    const { token } = await signUpOn(a)
    const images = await Promise.all(Array.from({ length: 12 }, () => makeImage('png', 64, 48)))
    const largest = Math.max(...images.map(image => image.length))
    // Room for three images, whichever three.
    const me = await (await a.fetch('/api/me', auth(token))).json() as { id: number }
    await query('UPDATE users SET quota_bytes = ? WHERE id = ?', [largest * 3, me.id])
    const answers = await Promise.all(images.map((bytes, i) => uploadTo(i % 2 ? a : b, token, bytes, `q${i}.png`).then(res => res.status)))
    const kept = answers.filter(status => status === 201).length
    expect(kept).toBeGreaterThanOrEqual(3)
    expect(answers.filter(status => status !== 201).every(status => status === 413)).toBe(true)
    expect(answers.filter(status => status === 413).length).toBeGreaterThan(0)
    const [stored] = await query<{ bytes: string | number }>('SELECT COALESCE(SUM(size), 0) AS bytes FROM images WHERE user_id = ?', [me.id])
    expect(Number(stored?.bytes)).toBeLessThanOrEqual(largest * 3)
  })
})

describe('two instances starting at once on an empty database', () => {
  const dbName = `gallery_multi_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`
  const servers: OwnServer[] = []
  afterAll(async () => {
    await Promise.all(servers.map(server => server.kill()))
    const conn = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' })
    await conn.query(`DROP DATABASE IF EXISTS \`${dbName}\``)
    await conn.end()
  })

  it('both come up; the migrations ran once; neither printed an error nor reached an uncaught exception', { timeout: 120_000 }, async () => {
    const emptyFolder = await scratchFolder()
    servers.push(...await Promise.all([startOwnServer({ DB_NAME: dbName }, emptyFolder), startOwnServer({ DB_NAME: dbName }, emptyFolder)]))
    const conn = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '', database: dbName })
    const [applied] = await conn.query('SELECT hash, COUNT(*) AS n FROM __drizzle_migrations GROUP BY hash') as unknown as [Array<{ n: number }>]
    const [[{ total }]] = await conn.query('SELECT COUNT(*) AS total FROM __drizzle_migrations') as unknown as [[{ total: number }]]
    await conn.end()
    expect(applied.length).toBeGreaterThan(0)
    // Each migration recorded exactly once.
    expect(applied.every(row => Number(row.n) === 1)).toBe(true)
    expect(Number(total)).toBe(applied.length)
    for (const server of servers) {
      expect(server.output()).not.toMatch(/start-up failed|ER_|Error:/)
      expect(await server.faults()).toEqual([])
    }
    // Both serve, against the one database: an account made on one signs in on the other.
    const [first, second] = servers as [OwnServer, OwnServer]
    const username = uniqueName('fresh')
    expect((await first.fetch('/api/register', json({ username, password: PASSWORD }))).status).toBe(201)
    expect((await second.fetch('/api/login', json({ username, password: PASSWORD }))).status).toBe(200)
  })
})
