import { createHash, randomBytes } from 'node:crypto'
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import bcrypt from 'bcryptjs'
import { drizzle } from 'drizzle-orm/mysql2'
import { migrate } from 'drizzle-orm/mysql2/migrator'
import mysql from 'mysql2/promise'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ImageDto } from '../../shared/contracts/images'
import { PASSWORD } from '../setup/api'
import { until } from '../support/files'
import { exifTags, hasGps, PHONE, photo } from '../fixtures/exif'
import { type OwnServer, scratchFolder, startOwnServer } from './upload-server'

// A gallery made before capture dates existed: the schema of migrations 0000 and 0001, rows and real
// files as that version stored them. The built server then starts on it (a database of this file's
// own; the run's database is shared): migration 0002 applies and the start-up backfill reads the files.

const MIGRATIONS = resolve(import.meta.dirname, '../../server/infra/db/migrations')
const DB_NAME = `gallery_upgrade_${randomBytes(4).toString('hex')}`
const SERVER = { host: process.env.DB_HOST ?? '127.0.0.1', port: Number(process.env.DB_PORT ?? 3306), user: process.env.DB_USER ?? 'root', password: process.env.DB_PASSWORD ?? '' }

async function onServer(statement: string): Promise<void> {
  const admin = await mysql.createConnection(SERVER)
  await admin.query(statement)
  await admin.end()
}

let db: mysql.Connection
let folder: string
let server: OwnServer | undefined

/** Applies the first two migrations exactly as drizzle's migrator did then (same bookkeeping rows). */
async function previousSchema(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gallery-old-migrations-'))
  const journal = JSON.parse(await readFile(join(MIGRATIONS, 'meta/_journal.json'), 'utf8'))
  journal.entries = journal.entries.filter((entry: { tag: string }) => ['0000_init', '0001_username_key_length'].includes(entry.tag))
  expect(journal.entries).toHaveLength(2)
  await mkdir(join(dir, 'meta'))
  await writeFile(join(dir, 'meta/_journal.json'), JSON.stringify(journal))
  for (const { tag } of journal.entries) await copyFile(join(MIGRATIONS, `${tag}.sql`), join(dir, `${tag}.sql`))
  await migrate(drizzle(db), { migrationsFolder: dir })
  await rm(dir, { recursive: true, force: true })
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

interface OldImage { name: string, bytes?: Buffer, createdAt: string, sha?: string, userId?: number, missing?: boolean }
const ids: Record<string, number> = {}
const keys: Record<string, string> = {}
const sent: Record<string, Buffer> = {}

/** An images row as the previous version wrote it, with its original and thumbnail in the upload folder. */
async function oldImage({ name, bytes, createdAt, sha, userId = 1, missing = false }: OldImage): Promise<void> {
  const stem = randomBytes(16).toString('hex')
  const ext = name.endsWith('.png') ? 'png' : 'jpg'
  const file = `${userId}/${stem}.${ext}`
  const thumb = `${userId}/${stem}.thumb.webp`
  const original = bytes ?? await photo()
  const meta = await sharp(original).metadata()
  await mkdir(join(folder, String(userId)), { recursive: true })
  if (!missing) await writeFile(join(folder, file), original)
  await writeFile(join(folder, thumb), await sharp(original).webp().toBuffer())
  const [result] = await db.query<mysql.ResultSetHeader>(
    'INSERT INTO images (user_id, filename, filepath, thumbpath, content_type, size, width, height, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [userId, name, file, thumb, ext === 'png' ? 'image/png' : 'image/jpeg', original.length, meta.width, meta.height, sha ?? sha256(original), createdAt],
  )
  ids[name] = result.insertId
  keys[name] = file
  sent[name] = original
}

const rowOf = async (name: string) => {
  const [rows] = await db.query<mysql.RowDataPacket[]>(
    `SELECT filename, size, width, height, sha256, DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s.%f') AS created_at,
       DATE_FORMAT(taken_at, '%Y-%m-%d %H:%i:%s') AS taken_at, taken_offset, DATE_FORMAT(sort_at, '%Y-%m-%d %H:%i:%s.%f') AS sort_at,
       camera, favorite, deleted_at, meta_version FROM images WHERE id = ?`, [ids[name]])
  return rows[0]!
}
const pending = async () => (await db.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM images WHERE meta_version = 0'))[0][0]!.n as number

const GPS_STRIPPED_EARLIER = 'half-done.jpg'
const HASH_AS_UPLOADED = 'a5'.repeat(32)

beforeAll(async () => {
  await onServer(`CREATE DATABASE \`${DB_NAME}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  db = await mysql.createConnection({ ...SERVER, database: DB_NAME })
  await previousSchema()
  folder = await scratchFolder()
  const hash = bcrypt.hashSync(PASSWORD, 4)
  await db.query('INSERT INTO users (id, username, username_key, password) VALUES (1, ?, ?, ?), (2, ?, ?, ?)', ['Alice', 'alice', hash, 'Bob', 'bob', hash])
  await oldImage({ name: 'phone.jpg', bytes: await photo({ ...PHONE, xmpGps: true }), createdAt: '2024-01-02 03:04:05.678' })
  await oldImage({ name: 'camera.jpg', bytes: await photo({ make: 'Canon', model: 'EOS 5D', taken: '2009:12:31 23:59:59' }), createdAt: '2024-01-03 00:00:00.000' })
  await oldImage({ name: 'plain.png', bytes: await sharp({ create: { width: 30, height: 20, channels: 3, background: '#123' } }).png().toBuffer(), createdAt: '2024-01-04 12:00:00.500' })
  // A row written without a hash: the backfill computes it.
  await oldImage({ name: 'no-hash.jpg', bytes: await photo({ make: 'Fuji' }), createdAt: '2024-01-05 00:00:00.000', sha: '' })
  // What a backfill killed between cleaning the file and marking the row leaves: the stored file already
  // has no GPS, the row still has the hash of the bytes as uploaded (which must stay).
  await oldImage({ name: GPS_STRIPPED_EARLIER, bytes: await photo({ ...PHONE, gps: false, model: 'Phone 10' }), createdAt: '2024-01-06 00:00:00.000', sha: HASH_AS_UPLOADED })
  // A row whose file is missing: left for a later run.
  await oldImage({ name: 'lost.jpg', bytes: await photo({ ...PHONE, model: 'Lost' }), createdAt: '2024-01-07 00:00:00.000', missing: true })
  await oldImage({ name: 'bobs.jpg', createdAt: '2024-01-08 00:00:00.000', userId: 2 })
  server = await startOwnServer({ DB_NAME }, folder)
}, 120_000)

afterAll(async () => {
  await server?.kill()
  await db?.end()
  await onServer(`DROP DATABASE IF EXISTS \`${DB_NAME}\``)
})

async function login(username: string): Promise<Record<string, string>> {
  const res = await server!.fetch('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) })
  expect(res.status).toBe(200)
  return { authorization: `Bearer ${(await res.json()).token}` }
}

/** Processes whose parent is `pid` (from /proc). */
async function childrenOf(pid: number): Promise<number[]> {
  const children: number[] = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '')
    // The command may contain spaces and parentheses: fields after the last ')' are fixed.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    if (ppid === pid) children.push(Number(entry))
  }
  return children
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  }
  catch {
    return false
  }
}

describe('upgrading a gallery made with the previous schema', () => {
  it('applies the new migration and keeps every row\'s data', async () => {
    const [migrations] = await db.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM __drizzle_migrations')
    // Every committed migration (the two old ones and all that came after), not a fixed number.
    const journal = JSON.parse(await readFile(join(MIGRATIONS, 'meta/_journal.json'), 'utf8'))
    expect(migrations[0]!.n).toBe(journal.entries.length)
    expect(await rowOf('plain.png')).toMatchObject({ filename: 'plain.png', size: sent['plain.png']!.length, width: 30, height: 20, sha256: sha256(sent['plain.png']!), created_at: '2024-01-04 12:00:00.500000', favorite: 0, deleted_at: null })
  })

  it('backfills capture date, offset, camera and sort key from the stored files, with progress in the log', async () => {
    expect(await until(async () => await pending() === 1, 30_000)).toBe(true)
    // The progress line is written after the rows it counts: wait for it too.
    const done = '[gallery] backfill: 6/7 images (1 left for the next start: 1 without a file, 0 failed)'
    expect(await until(async () => server!.output().includes(done), 10_000)).toBe(true)
    expect(server!.output()).toContain('[gallery] backfill: 0/7 images')

    const phone = await rowOf('phone.jpg')
    // The server runs in UTC here: 06:07:08 at +08:00 sorts as 22:07:08 the day before.
    expect(phone).toMatchObject({ taken_at: '2023-04-05 06:07:08', taken_offset: '+08:00', sort_at: '2023-04-04 22:07:08.000000', meta_version: 1 })
    expect(JSON.parse(phone.camera)).toEqual({ make: 'Acme', model: 'Phone 9', lens: PHONE.lens, focal_length: 4.2, aperture: 1.8, exposure_time: 0.00833333, iso: 64 })
    expect(await rowOf('camera.jpg')).toMatchObject({ taken_at: '2009-12-31 23:59:59', taken_offset: null, sort_at: '2009-12-31 23:59:59.000000', meta_version: 1 })
    expect(await rowOf('plain.png')).toMatchObject({ taken_at: null, camera: null, sort_at: '2024-01-04 12:00:00.500000', meta_version: 1 })
    expect(await rowOf('no-hash.jpg')).toMatchObject({ sha256: sha256(sent['no-hash.jpg']!), meta_version: 1 })
    expect(await rowOf(GPS_STRIPPED_EARLIER)).toMatchObject({ sha256: HASH_AS_UPLOADED, taken_at: '2023-04-05 06:07:08', meta_version: 1 })
    expect(await rowOf('lost.jpg')).toMatchObject({ meta_version: 0 })
  })

  it('removes GPS from stored originals without touching their pixels or other tags', async () => {
    const stored = await readFile(join(folder, keys['phone.jpg']!))
    expect(await hasGps(sent['phone.jpg']!)).toBe(true)
    expect(await hasGps(stored)).toBe(false)
    expect(await exifTags(stored)).toMatchObject({ Make: 'Acme', DateTimeOriginal: '2023:04:05 06:07:08' })
    expect((await sharp(stored).raw().toBuffer()).equals(await sharp(sent['phone.jpg']!).raw().toBuffer())).toBe(true)
    // Files without GPS are not rewritten.
    expect((await readFile(join(folder, keys['camera.jpg']!))).equals(sent['camera.jpg']!)).toBe(true)
    expect(await readdir(join(folder, '.tmp')).catch(() => [])).toEqual([])
  })

  it('lists the upgraded images through the API, by capture date with sort=taken', async () => {
    const auth = await login('alice')
    const listed: ImageDto[] = await (await server!.fetch('/api/images?sort=taken', { headers: auth })).json()
    // Newest first by capture time, else upload time (lost.jpg is not read yet); equal keys by id, newest first.
    expect(listed.map(image => image.filename)).toEqual(['lost.jpg', 'no-hash.jpg', 'plain.png', GPS_STRIPPED_EARLIER, 'phone.jpg', 'camera.jpg'])
    const phone = listed.find(image => image.filename === 'phone.jpg')!
    expect(phone).toMatchObject({ taken_at: '2023-04-05T06:07:08+08:00', favorite: false, camera: { make: 'Acme' } })
    const served = Buffer.from(await (await server!.fetch(phone.url, { headers: auth })).arrayBuffer())
    expect(await hasGps(served)).toBe(false)
    expect(JSON.stringify(listed)).not.toMatch(/gps|latitude|longitude/i)
  })

  it('continues after a restart with what is left, and ends its exiftool processes on shutdown', async () => {
    await server!.kill()
    // The missing file turns up again (restored from a backup).
    await mkdir(dirname(join(folder, keys['lost.jpg']!)), { recursive: true })
    await writeFile(join(folder, keys['lost.jpg']!), sent['lost.jpg']!)
    server = await startOwnServer({ DB_NAME }, folder)
    expect(await until(async () => await pending() === 0, 30_000)).toBe(true)
    expect(await until(async () => server!.output().includes('[gallery] backfill: 1/1 images'), 10_000)).toBe(true)
    expect(server.output()).toContain('[gallery] backfill: 0/1 images')
    expect(await rowOf('lost.jpg')).toMatchObject({ taken_at: '2023-04-05 06:07:08', meta_version: 1 })
    expect(await hasGps(await readFile(join(folder, keys['lost.jpg']!)))).toBe(false)

    const perl = await childrenOf(server.pid)
    expect(perl.length).toBeGreaterThan(0)
    process.kill(server.pid, 'SIGTERM')
    expect(await until(async () => !alive(server!.pid), 10_000)).toBe(true)
    expect(await until(async () => perl.every(pid => !alive(pid)), 5_000)).toBe(true)
    server = undefined
  })
})
