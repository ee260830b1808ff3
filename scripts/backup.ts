// npm run backup -- <dir>
// A consistent snapshot of a running gallery (SPEC §11): the database read inside one REPEATABLE READ
// transaction WITH CONSISTENT SNAPSHOT (InnoDB: every table as of the same instant, without locking
// the server out), then the image objects those rows name copied through the storage interface
// (server/infra/blob: the filesystem or S3), then a manifest with the SHA-256 of every file. The
// folder is created when missing and must be empty. Format: scripts/backupFormat.ts.
// Run it with the same environment as the server (it reads .env). Exit 0: complete; 1: written, but
// some object vanished during the backup (listed); 2: nothing usable written (the reason is printed).
import { createWriteStream } from 'node:fs'
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createHash } from 'node:crypto'
import type { Connection as CoreConnection } from 'mysql2'
import mysql from 'mysql2/promise'
import { BINARY_TYPES, BLOB_COLUMNS, FORMAT, VERSION, filePath, quoteId, setup, storageName, type FileEntry, type Manifest, type TableEntry, type TableSchema } from './backupFormat.ts'

const target = process.argv[2]
if (!target || target.startsWith('-')) {
  console.error('usage: npm run backup -- <dir>')
  process.exit(2)
}
const dir = resolve(target)
const { config, store } = setup('backup')

await mkdir(dir, { recursive: true })
if ((await readdir(dir)).length) {
  console.error(`backup: ${dir} is not empty; give a new or empty folder`)
  process.exit(2)
}
await mkdir(join(dir, 'db'))

const conn = await mysql.createConnection({ ...config.db, connectTimeout: 5000, timezone: 'Z', charset: 'utf8mb4_unicode_ci', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true }).catch((error) => {
  console.error(`backup: cannot reach the database (${error.code ?? error.message})`)
  process.exit(2)
})

/** Every value as MySQL prints it (binary columns are selected as base64): nothing is reinterpreted on the way. */
const asText: mysql.TypeCast = field => field.string()

/** Copies a stream into `path`, returning its SHA-256 and size. */
async function save(body: Readable, path: string): Promise<{ sha256: string, size: number }> {
  await mkdir(dirname(path), { recursive: true })
  const hash = createHash('sha256')
  let size = 0
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk)
      size += chunk.length
      done(null, chunk)
    },
  })
  await pipeline(body, tap, createWriteStream(path, { flags: 'wx' }))
  return { sha256: hash.digest('hex'), size }
}

try {
  // TIMESTAMP values in UTC, whatever the server's zone (restore sets the same).
  await conn.query('SET time_zone = \'+00:00\'')
  await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ')
  await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY')

  const [tableRows] = await conn.query<mysql.RowDataPacket[]>(
    'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = \'BASE TABLE\' ORDER BY TABLE_NAME', [config.db.database])
  const schemas: TableSchema[] = []
  for (const { name } of tableRows as Array<{ name: string }>) {
    const [[created]] = await conn.query<mysql.RowDataPacket[]>(`SHOW CREATE TABLE ${quoteId(name)}`)
    const [columns] = await conn.query<mysql.RowDataPacket[]>(
      // Generated columns are computed again on insert (and may not be given).
      'SELECT COLUMN_NAME AS name, DATA_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COALESCE(GENERATION_EXPRESSION, \'\') = \'\' ORDER BY ORDINAL_POSITION', [config.db.database, name])
    schemas.push({
      name,
      create: (created as Record<string, string>)['Create Table']!,
      columns: (columns as Array<{ name: string, type: string }>).map(c => ({ name: c.name, binary: BINARY_TYPES.has(c.type.toLowerCase()) })),
    })
  }
  await writeFile(join(dir, 'db/schema.json'), JSON.stringify(schemas, null, 2) + '\n')

  const tables: TableEntry[] = []
  const keys = new Set<string>()
  for (const table of schemas) {
    const select = table.columns.map(c => c.binary ? `TO_BASE64(${quoteId(c.name)}) AS ${quoteId(c.name)}` : quoteId(c.name)).join(', ')
    const blobColumns = (BLOB_COLUMNS[table.name] ?? []).map(name => table.columns.findIndex(c => c.name === name)).filter(i => i >= 0)
    // A row still waiting for its thumbnail has none to copy; the restored server makes it.
    const pending = table.columns.findIndex(c => c.name === 'variants_pending')
    const thumb = table.columns.findIndex(c => c.name === 'thumbpath')
    const file = `db/${table.name}.jsonl`
    let rows = 0
    // Streamed: a table is never held in memory whole.
    const core = (conn as unknown as { connection: CoreConnection }).connection
    const stream = core.query({ sql: `SELECT ${select} FROM ${quoteId(table.name)}`, rowsAsArray: true, typeCast: asText }).stream()
    const lines = new Transform({
      writableObjectMode: true,
      transform(row: Array<string | null>, _encoding, done) {
        rows++
        for (const i of blobColumns) if (row[i] && !(i === thumb && pending >= 0 && row[pending] === '1')) keys.add(row[i])
        done(null, JSON.stringify(row) + '\n')
      },
    })
    const { sha256 } = await save(stream.pipe(lines), join(dir, file))
    tables.push({ name: table.name, rows, file, sha256 })
  }
  await conn.query('COMMIT')

  const files: FileEntry[] = []
  const missing: string[] = []
  for (const key of [...keys].sort()) {
    const body = await store.get(key)
    if (!body) {
      missing.push(key)
      continue
    }
    files.push({ key, ...await save(body, filePath(dir, key)) })
  }

  const manifest: Manifest = {
    format: FORMAT,
    version: VERSION,
    created_at: new Date().toISOString(),
    database: config.db.database,
    storage: config.storage.driver,
    tables,
    files,
    missing,
  }
  // Written last, under its final name only when whole: a folder without manifest.json is no backup.
  await writeFile(join(dir, 'manifest.json.part'), JSON.stringify(manifest, null, 2) + '\n')
  await rename(join(dir, 'manifest.json.part'), join(dir, 'manifest.json'))
  const bytes = files.reduce((sum, f) => sum + f.size, 0)
  console.log(`backup: ${dir}: ${tables.length} tables (${tables.reduce((sum, t) => sum + t.rows, 0)} rows) of ${config.db.database}, ${files.length} files (${bytes} bytes) from ${storageName(config)}`)
  if (missing.length) {
    console.error(`backup: ${missing.length} object(s) named by a row were gone when copied (deleted during the backup?): ${missing.join(', ')}`)
    process.exitCode = 1
  }
}
catch (error) {
  console.error(`backup: failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 2
}
finally {
  await conn.end().catch(() => {})
}
