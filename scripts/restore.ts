// npm run restore -- <dir>
// Brings a backup (scripts/backup.ts) back into an EMPTY database and storage (SPEC §11): it refuses
// a database with any table or a storage with any object, and changes nothing then. Every file's
// SHA-256 is checked against the manifest first; then the tables are created as they were (same
// definitions, same AUTO_INCREMENT counters), the rows inserted, and the image objects written
// through the storage interface (the filesystem or S3), each checked again as it is read.
// Run it with the server stopped and the same environment it will run with: a restore needs the
// same SECRET_KEY (share tokens and two-factor secrets are encrypted with keys derived from it).
// Exit 0: restored; 2: refused or failed (the reason is printed).
import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { Transform } from 'node:stream'
import { createHash } from 'node:crypto'
import mysql from 'mysql2/promise'
import { FORMAT, VERSION, digestFile, filePath, quoteId, setup, storageName, type Manifest, type TableSchema } from './backupFormat.ts'

const fail = (message: string): never => {
  console.error(`restore: ${message}`)
  process.exit(2)
}

const source = process.argv[2]
if (!source || source.startsWith('-')) fail('usage: npm run restore -- <dir>')
const dir = resolve(source!)
const { config, store } = setup('restore')

const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8').catch(() => fail(`${dir} has no manifest.json: not a (finished) backup`))) as Manifest
if (manifest.format !== FORMAT || manifest.version !== VERSION) fail(`${dir} is not a gallery backup of version ${VERSION}`)

// 1. Everything is checked before anything is written.
for (const entry of [...manifest.tables.map(t => ({ path: join(dir, t.file), sha256: t.sha256 })), ...manifest.files.map(f => ({ path: filePath(dir, f.key), sha256: f.sha256 }))]) {
  const actual = await digestFile(entry.path).catch(() => undefined)
  if (actual?.sha256 !== entry.sha256) fail(`${entry.path} is ${actual ? 'damaged (checksum differs from the manifest)' : 'missing'}; nothing was restored`)
}
const schemas = JSON.parse(await readFile(join(dir, 'db/schema.json'), 'utf8')) as TableSchema[]

// 2. Only into emptiness.
const settings = { ...config.db, connectTimeout: 5000, timezone: 'Z', charset: 'utf8mb4_unicode_ci', multipleStatements: false }
const admin = await mysql.createConnection({ ...settings, database: undefined }).catch(error => fail(`cannot reach the database (${error.code ?? error.message})`))
await admin.query(`CREATE DATABASE IF NOT EXISTS ${quoteId(config.db.database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
await admin.end()
const conn = await mysql.createConnection(settings)
const [[{ count }]] = await conn.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS count FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [config.db.database]) as unknown as [[{ count: number }]]
if (Number(count)) {
  await conn.end()
  fail(`database ${config.db.database} is not empty (${count} tables); restore only into an empty database`)
}
for await (const entry of store.list()) {
  await conn.end()
  fail(`storage (${storageName(config)}) is not empty (it holds ${entry.key}); restore only into empty storage`)
}

/** Rows per INSERT statement. */
const BATCH = 500

try {
  // 3. Tables and rows. Foreign keys are checked by the definitions once everything is in.
  // As the backup read them: TIMESTAMP values in UTC.
  await conn.query('SET time_zone = \'+00:00\'')
  await conn.query('SET FOREIGN_KEY_CHECKS = 0')
  for (const table of schemas) await conn.query(table.create)
  for (const table of schemas) {
    const entry = manifest.tables.find(t => t.name === table.name)
    if (!entry) fail(`the manifest does not list table ${table.name}`)
    const placeholders = '(' + table.columns.map(c => c.binary ? 'FROM_BASE64(?)' : '?').join(', ') + ')'
    const insert = (n: number) => `INSERT INTO ${quoteId(table.name)} (${table.columns.map(c => quoteId(c.name)).join(', ')}) VALUES ${Array.from({ length: n }, () => placeholders).join(', ')}`
    let batch: Array<string | null> = []
    let rows = 0
    const flush = async () => {
      if (!batch.length) return
      await conn.query(insert(batch.length / table.columns.length), batch)
      batch = []
    }
    for await (const line of createInterface({ input: createReadStream(join(dir, entry!.file)), crlfDelay: Infinity })) {
      if (!line) continue
      batch.push(...JSON.parse(line) as Array<string | null>)
      rows++
      if (rows % BATCH === 0) await flush()
    }
    await flush()
    if (rows !== entry!.rows) throw new Error(`${entry!.file} has ${rows} rows, the manifest says ${entry!.rows}`)
  }
  await conn.query('SET FOREIGN_KEY_CHECKS = 1')

  // 4. The image objects, each checked again as it streams in (a put with the wrong bytes is undone).
  for (const file of manifest.files) {
    const hash = createHash('sha256')
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk)
        done(null, chunk)
      },
    })
    await store.put(file.key, createReadStream(filePath(dir, file.key)).pipe(tap))
    if (hash.digest('hex') !== file.sha256) {
      await store.delete(file.key)
      throw new Error(`${file.key} changed while it was restored`)
    }
  }
  const rowCount = manifest.tables.reduce((sum, t) => sum + t.rows, 0)
  console.log(`restore: ${dir} (made ${manifest.created_at}): ${schemas.length} tables (${rowCount} rows) into ${config.db.database}, ${manifest.files.length} files into ${storageName(config)}`)
  if (manifest.missing.length) console.warn(`restore: the backup lacked ${manifest.missing.length} object(s) deleted while it was made; \`npm run doctor\` lists their rows`)
}
catch (error) {
  console.error(`restore: failed: ${error instanceof Error ? error.message : String(error)}; drop the database's tables and empty the storage before trying again`)
  process.exitCode = 2
}
finally {
  await conn.end().catch(() => {})
}
