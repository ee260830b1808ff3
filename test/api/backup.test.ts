import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { promisify } from 'node:util'
import mysql from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { makeImage } from '../setup/api'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { bucketFor, listKeys, s3Client } from '../setup/s3'
import { productionEnv, storageEnv } from '../setup/server'
import { type OwnServer, scratchFolder, startOwnServer } from './upload-server'

// Backups (SPEC §11): `npm run backup -- <dir>` takes a consistent snapshot while the server runs
// and uploads keep coming; `npm run restore -- <dir>` brings it back into an empty database and
// folder, byte for byte (every row of every table, every image file); it refuses anything not empty
// and a damaged backup, changing nothing. Databases of this file's own, dropped afterwards. On the
// api-s3 run the same goes through S3 buckets (the tools use the storage interface, as the server).

const ROOT = resolve(import.meta.dirname, '../..')
const run = promisify(execFile)
const suffix = randomBytes(3).toString('hex')
const SOURCE_DB = `${inject('dbName')}_bsrc_${suffix}`
const TARGET_DB = `${inject('dbName')}_bdst_${suffix}`
const OTHER_DB = `${inject('dbName')}_both_${suffix}`
const admin = () => mysql.createConnection({ host: '127.0.0.1', user: 'root', password: '' })

let server: OwnServer
let auth: Record<string, string>
const PASSWORD = 'backup horse battery'
const username = `bk_${suffix}`

afterAll(async () => {
  await server?.kill()
  const conn = await admin()
  for (const name of [SOURCE_DB, TARGET_DB, OTHER_DB]) await conn.query(`DROP DATABASE IF EXISTS \`${name}\``)
  await conn.end()
})

/** Runs `npm run backup|restore` as an operator would (same script), with the server's environment. */
async function tool(name: 'backup' | 'restore', dir: string, database: string, uploadFolder: string): Promise<{ code: number, output: string }> {
  const env = { ...process.env, ...productionEnv(0, uploadFolder), ...await storageEnv(uploadFolder), PUBLIC_URL: 'http://127.0.0.1:3000', DB_NAME: database, NODE_OPTIONS: '' }
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, `scripts/${name}.ts`), dir], { cwd: ROOT, env, timeout: 120_000 })
    return { code: 0, output: stdout + stderr }
  }
  catch (error) {
    const failed = error as { code?: number, stdout?: string, stderr?: string }
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` }
  }
}

const json = (body: unknown, headers: Record<string, string> = {}) =>
  ({ method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })

async function uploadTo(target: OwnServer, bytes: Buffer, name: string): Promise<number> {
  const form = new FormData()
  form.append('file', new Blob([new Uint8Array(bytes)]), name)
  const res = await target.fetch('/api/images/upload', { method: 'POST', headers: auth, body: form })
  expect(res.status).toBe(201)
  return (await res.json() as { image: { id: number } }).image.id
}

/** Every table of a database: its definition and its rows (binary as hex), sorted, as text. */
async function dumpDatabase(database: string): Promise<Record<string, { create: string, rows: string[] }>> {
  const conn = await mysql.createConnection({ host: '127.0.0.1', user: 'root', password: '', database, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true })
  const [tables] = await conn.query<mysql.RowDataPacket[]>('SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME', [database])
  const out: Record<string, { create: string, rows: string[] }> = {}
  for (const { name } of tables as Array<{ name: string }>) {
    const [[created]] = await conn.query<mysql.RowDataPacket[]>(`SHOW CREATE TABLE \`${name}\``)
    const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT * FROM \`${name}\``)
    out[name] = {
      create: (created as Record<string, string>)['Create Table']!,
      rows: rows.map(row => JSON.stringify(Object.entries(row).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('hex') : v]))).sort(),
    }
  }
  await conn.end()
  return out
}

/**
 * Every stored image object of a server's storage, key → bytes: the files under its upload folder
 * (the driver's own dot-folders aside), or on the api-s3 run the objects of the bucket that stands
 * for that folder.
 */
async function storedObjects(folder: string): Promise<Map<string, Buffer>> {
  const objects = new Map<string, Buffer>()
  const endpoint = inject('s3Endpoint')
  if (endpoint) {
    const client = s3Client(endpoint)
    for (const key of await listKeys(endpoint, bucketFor(folder))) {
      const object = await client.send(new GetObjectCommand({ Bucket: bucketFor(folder), Key: key }))
      objects.set(key, Buffer.from(await object.Body!.transformToByteArray()))
    }
    client.destroy()
    return objects
  }
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const path = relative(folder, join(entry.parentPath, entry.name))
    if (path.startsWith('.')) continue
    objects.set(path, await readFile(join(folder, path)))
  }
  return objects
}

beforeAll(async () => {
  server = await startOwnServer({ DB_NAME: SOURCE_DB })
  expect((await server.fetch('/api/register', json({ username, password: PASSWORD }))).status).toBe(201)
  const { token } = await (await server.fetch('/api/login', json({ username, password: PASSWORD }))).json() as { token: string }
  auth = { authorization: `Bearer ${token}` }
  // A gallery with a bit of everything: three formats, an album with a cover, a favourite, the trash.
  const ids = [
    await uploadTo(server, await makeImage('png', 40, 30), 'one.png'),
    await uploadTo(server, await makeImage('jpeg', 64, 48, '#aa3300'), 'two.jpg'),
    await uploadTo(server, await makeImage('gif', 16, 16), 'three.gif'),
  ]
  const album = await (await server.fetch('/api/albums', json({ title: 'Holiday 假期', description: 'ünïcödé' }, auth))).json() as { id: number }
  expect((await server.fetch(`/api/albums/${album.id}/images`, json({ image_ids: ids.slice(0, 2) }, auth))).status).toBe(200)
  expect((await server.fetch('/api/images/batch', json({ action: 'favorite', image_ids: [ids[1]] }, auth))).status).toBe(200)
  expect((await server.fetch('/api/images/batch', json({ action: 'trash', image_ids: [ids[2]] }, auth))).status).toBe(200)
}, 180_000)

describe('backup and restore', () => {
  it('takes a consistent snapshot while uploads keep coming', async () => {
    const dir = join(await scratchFolder(), 'while-serving')
    let uploading = true
    const uploads = (async () => {
      let n = 0
      while (uploading) await uploadTo(server, await makeImage('png', 20 + (n % 7), 20), `busy-${n++}.png`)
      return n
    })()
    const result = await tool('backup', dir, SOURCE_DB, server.uploadFolder)
    uploading = false
    expect(await uploads).toBeGreaterThan(0)
    expect(result.output).toMatch(/^backup: .* files \(\d+ bytes\)/m)
    expect(result.code).toBe(0)
    // Consistent: every image row of the snapshot has its files in the backup, with their checksums:
    // the original always, the thumbnail unless the row was still waiting for it (made after a restore).
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { files: Array<{ key: string }>, tables: Array<{ name: string, rows: number }>, missing: string[] }
    const rows = (await readFile(join(dir, 'db/images.jsonl'), 'utf8')).trim().split('\n').map(line => JSON.parse(line) as Array<string | null>)
    expect(manifest.tables.find(t => t.name === 'images')!.rows).toBe(rows.length)
    const schema = JSON.parse(await readFile(join(dir, 'db/schema.json'), 'utf8')) as Array<{ name: string, columns: Array<{ name: string }> }>
    const columns = schema.find(t => t.name === 'images')!.columns
    const at = (name: string) => columns.findIndex(c => c.name === name)
    const expected = rows.flatMap(row => row[at('variants_pending')] === '1' ? [row[at('filepath')]] : [row[at('filepath')], row[at('thumbpath')]])
    expect(manifest.files.map(f => f.key).sort()).toEqual(expected.sort())
    expect(manifest.missing).toEqual([])
  }, 180_000)

  it('round-trips a gallery byte for byte into an empty database and folder', async () => {
    const dir = join(await scratchFolder(), 'quiet')
    expect((await tool('backup', dir, SOURCE_DB, server.uploadFolder)).code).toBe(0)
    // A second backup into the same folder is refused (nothing overwritten).
    expect((await tool('backup', dir, SOURCE_DB, server.uploadFolder)).output).toContain('is not empty')

    const target = await scratchFolder()
    const restored = await tool('restore', dir, TARGET_DB, target)
    expect(restored.output).toMatch(/^restore: .* tables \(\d+ rows\)/m)
    expect(restored.code).toBe(0)

    const [source, copy] = [await dumpDatabase(SOURCE_DB), await dumpDatabase(TARGET_DB)]
    expect(Object.keys(copy)).toContain('images')
    expect(Object.keys(copy)).toContain('__drizzle_migrations')
    expect(copy).toEqual(source)
    const [sourceFiles, copyFiles] = [await storedObjects(server.uploadFolder), await storedObjects(target)]
    expect(copyFiles.size).toBe(source.images!.rows.length * 2)
    expect([...copyFiles.keys()].sort()).toEqual([...sourceFiles.keys()].sort())
    for (const [path, bytes] of sourceFiles) expect(copyFiles.get(path)!.equals(bytes), path).toBe(true)

    // The restored gallery works: same password, same photos, same bytes.
    const second = await startOwnServer({ DB_NAME: TARGET_DB }, target)
    try {
      const login = await second.fetch('/api/login', json({ username, password: PASSWORD }))
      expect(login.status).toBe(200)
      const { token } = await login.json() as { token: string }
      const list = await (await second.fetch('/api/images?limit=100', { headers: { authorization: `Bearer ${token}` } })).json() as Array<{ id: number, favorite: boolean }>
      const original = await (await server.fetch('/api/images?limit=100', { headers: auth })).json() as Array<{ id: number }>
      expect(list).toEqual(original)
      const [a, b] = await Promise.all([
        second.fetch(`/api/images/${list[0]!.id}/file`, { headers: { authorization: `Bearer ${token}` } }).then(r => r.arrayBuffer()),
        server.fetch(`/api/images/${list[0]!.id}/file`, { headers: auth }).then(r => r.arrayBuffer()),
      ])
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true)
    }
    finally {
      await second.kill()
    }

    // Into anything not empty: refused, and nothing changes.
    const used = await dumpDatabase(TARGET_DB)
    const again = await tool('restore', dir, TARGET_DB, await scratchFolder())
    expect(again.code).toBe(2)
    expect(again.output).toContain('is not empty')
    const intoFullFolder = await tool('restore', dir, OTHER_DB, target)
    expect(intoFullFolder.code).toBe(2)
    expect(intoFullFolder.output).toContain('storage')
    expect(await dumpDatabase(OTHER_DB)).toEqual({})
    expect(await dumpDatabase(TARGET_DB)).toEqual(used)
  }, 180_000)

  it('refuses a damaged backup before writing anything', async () => {
    const dir = join(await scratchFolder(), 'damaged')
    expect((await tool('backup', dir, SOURCE_DB, server.uploadFolder)).code).toBe(0)
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { files: Array<{ key: string }> }
    const victim = join(dir, 'files', manifest.files[0]!.key)
    const bytes = await readFile(victim)
    const middle = bytes.length >> 1
    bytes.writeUInt8(bytes.readUInt8(middle) ^ 0xFF, middle)
    await writeFile(victim, bytes)
    const folder = await scratchFolder()
    const result = await tool('restore', dir, OTHER_DB, folder)
    expect(result.code).toBe(2)
    expect(result.output).toContain('damaged')
    expect(await dumpDatabase(OTHER_DB)).toEqual({})
    expect((await storedObjects(folder)).size).toBe(0)
  }, 180_000)
})
