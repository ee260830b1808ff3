import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { createServer, type Server, type Socket, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fetch } from '@nuxt/test-utils/e2e'
import mysql from 'mysql2/promise'
import sharp from 'sharp'
import { afterAll, describe, expect, it, inject } from 'vitest'
import { bearer, signUp, upload } from '../setup/api'
import { startServer } from '../setup/server'

/** A TCP proxy in front of MariaDB that the test can switch off and on: a database that goes away and comes back. */
function databaseProxy() {
  let server: Server | undefined
  const sockets = new Set<Socket>()
  const up = (port = 0) => new Promise<number>((resolve) => {
    server = createServer((client) => {
      const upstream = connect(3306, '127.0.0.1')
      sockets.add(client).add(upstream)
      client.pipe(upstream).pipe(client)
      const close = () => {
        client.destroy()
        upstream.destroy()
      }
      client.on('error', close).on('close', close)
      upstream.on('error', close).on('close', close)
    })
    server.listen(port, '127.0.0.1', () => resolve((server!.address() as { port: number }).port))
  })
  const down = () => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy()
    sockets.clear()
    server!.close(() => resolve())
  })
  return { up, down }
}

// A 2 MiB file system of its own for the uploads, so "disk full" is real.
const tinyDisk = mkdtempSync(join(tmpdir(), 'gallery-tinydisk-'))
execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', tinyDisk])
afterAll(() => { spawnSync('umount', ['-l', tinyDisk]) })

const proxy = databaseProxy()
const proxyPort = await proxy.up()
await startServer({ DB_PORT: String(proxyPort), UPLOAD_FOLDER: tinyDisk })

const until = async (check: () => Promise<boolean>, ms = 15_000) => {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return true
    await new Promise(r => setTimeout(r, 200))
  }
  return false
}

const noise = (width: number, height: number) =>
  sharp(Buffer.from(Array.from({ length: width * height * 3 }, () => Math.floor(Math.random() * 256))), { raw: { width, height, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer()

describe('database faults', () => {
  it('answers 503 with a clear message while the database is down, and recovers by itself', async () => {
    const { token } = await signUp()
    expect((await fetch('/api/health')).status).toBe(200)
    await proxy.down()
    const health = await fetch('/api/health')
    expect(health.status).toBe(503)
    expect(await health.json()).toEqual({ message: '服务暂时不可用，请稍后再试', code: 'SERVICE_UNAVAILABLE' })
    const list = await fetch('/api/images', { headers: bearer(token) })
    expect(list.status).toBe(503)
    const body = await list.text()
    expect(body).not.toMatch(/ECONNREFUSED|mysql|at .*\.mjs|127\.0\.0\.1/i)
    await proxy.up(proxyPort)
    expect(await until(async () => (await fetch('/api/health')).status === 200)).toBe(true)
    expect((await fetch('/api/images', { headers: bearer(token) })).status).toBe(200)
  })
})

describe('storage faults', () => {
  it('answers 507 when the disk is full, keeps no row or partial file, and loses nothing stored before', async () => {
    const { token } = await signUp()
    const first = await upload(token, await noise(400, 400), 'first.png') // ~480 KB
    expect(first.status).toBe(201)
    const stored = (await first.json()).image
    const big = await noise(900, 900) // ~2.4 MB: does not fit in what is left
    const res = await upload(token, big, 'too-much.png')
    expect(res.status).toBe(507)
    expect(await res.json()).toEqual({ message: '存储空间不足，上传失败', code: 'INSUFFICIENT_STORAGE' })
    expect(readdirSync(join(tinyDisk, '.tmp'))).toEqual([])
    const list = await (await fetch('/api/images', { headers: bearer(token) })).json() as Array<{ filename: string }>
    expect(list.map(i => i.filename)).toEqual(['first.png'])
    expect((await fetch(stored.url, { headers: bearer(token) })).status).toBe(200)
  })
})

describe('crash leftovers', () => {
  it('lists rows without files, orphan files and temporary files with npm run doctor, and repairs them', async () => {
    const { token } = await signUp()
    const kept = (await (await upload(token, await noise(20, 20), 'kept.png')).json()).image
    const lost = (await (await upload(token, await noise(20, 20), 'lost.png')).json()).image
    const db = await mysql.createConnection({ host: '127.0.0.1', user: 'root', database: inject('dbName') })
    const [[row]] = await db.query<Array<{ user_id: number, filepath: string } & mysql.RowDataPacket>>('SELECT user_id, filepath FROM images WHERE id = ?', [lost.id])
    if (!row) throw new Error('the uploaded image has no row')
    execFileSync('rm', [join(tinyDisk, row.filepath)])
    mkdirSync(join(tinyDisk, String(row.user_id)), { recursive: true })
    writeFileSync(join(tinyDisk, String(row.user_id), 'deadbeef.png'), 'orphan')
    writeFileSync(join(tinyDisk, '.tmp', 'crashed.upload'), 'partial')

    const env = { ...process.env, DB_NAME: inject('dbName'), UPLOAD_FOLDER: tinyDisk, NODE_OPTIONS: '' }
    const report = spawnSync(process.execPath, ['scripts/doctor.ts'], { env, encoding: 'utf8' })
    expect(report.status).toBe(1)
    expect(report.stdout).toContain(`row ${lost.id}: file missing: ${row.filepath}`)
    expect(report.stdout).toContain(`orphan file (no row): ${row.user_id}/deadbeef.png`)
    expect(report.stdout).toContain('leftover temporary file: .tmp/crashed.upload')

    const repaired = spawnSync(process.execPath, ['scripts/doctor.ts', '--repair'], { env, encoding: 'utf8' })
    expect(repaired.status).toBe(0)
    const [rows] = await db.query<Array<{ id: number } & mysql.RowDataPacket>>('SELECT id FROM images WHERE id IN (?)', [[kept.id, lost.id]])
    expect(rows.map(r => r.id)).toEqual([kept.id])
    await db.end()
    const again = spawnSync(process.execPath, ['scripts/doctor.ts'], { env, encoding: 'utf8' })
    expect(again.stdout).toContain('everything is consistent')
    expect(again.status).toBe(0)
  })
})
