// npm run doctor [-- --repair]
// Lists what a crash can leave behind — rows whose files are missing, stored files no row points at,
// and temporary files of uploads in flight — and with --repair removes them: files without a row are
// deleted (as the server's start-up sweep does once they are older than ORPHAN_GRACE_SECONDS), rows
// without their original are deleted with what is left of their files, and rows that lost only their
// thumbnail are marked to have it made again (the server does so in the background at its next start).
// Run it with the same environment as the server (it reads .env); run --repair while the server is
// stopped, since an upload in flight briefly has a temporary file, or a file before its row.
// Plain Node loads this file (type stripping), so everything it imports is plain TypeScript with
// `.ts`-suffixed relative imports and no Nitro.
import { join } from 'node:path'
import mysql from 'mysql2/promise'
import { useBlobStore } from '../server/infra/blob/index.ts'
import { ConfigError, useConfig } from '../server/infra/config.ts'
import { listTemp, removeTemp, tempDirOf } from '../server/infra/tempFiles.ts'
import { checkConsistency, type StoredRow } from '../server/features/images/consistency.ts'

const repair = process.argv.includes('--repair')
const config = (() => {
  try { return useConfig() }
  catch (error) {
    if (!(error instanceof ConfigError)) throw error
    for (const problem of error.problems) console.error(`doctor: ${problem}`)
    process.exit(2)
  }
})()
const store = useBlobStore()
const db = await mysql.createConnection({ ...config.db, connectTimeout: 3000 }).catch((error) => {
  console.error(`doctor: cannot reach the database (${error.code ?? error.message})`)
  process.exit(2)
})

try {
  let rows: StoredRow[] = []
  const readRows = async () => {
    [rows] = await db.query<Array<StoredRow & mysql.RowDataPacket>>('SELECT id, filepath, thumbpath, variants_pending AS variantsPending FROM images')
    return rows
  }
  const { missingFiles, orphanFiles } = await checkConsistency(store, readRows)
  const temp = await listTemp(config.uploadFolder)

  console.log(`doctor: ${rows.length} image row(s) in ${config.db.database}, upload folder ${config.uploadFolder}`)
  for (const { id, key } of missingFiles) console.log(`  row ${id}: ${key.endsWith('.thumb.webp') ? 'thumbnail' : 'file'} missing: ${key}`)
  for (const { key, size } of orphanFiles) console.log(`  orphan file (no row): ${key} (${size} bytes)`)
  for (const name of temp) console.log(`  leftover temporary file: .tmp/${name}`)
  const problems = missingFiles.length + orphanFiles.length + temp.length
  if (!problems) console.log('doctor: everything is consistent')

  if (repair && problems) {
    const byId = new Map(rows.map(r => [r.id, r]))
    const brokenRows = [...new Set(missingFiles.filter(m => m.key === byId.get(m.id)?.filepath).map(m => m.id))]
    const thumbless = [...new Set(missingFiles.map(m => m.id))].filter(id => !brokenRows.includes(id))
    if (brokenRows.length) await db.query('DELETE FROM images WHERE id IN (?)', [brokenRows])
    if (thumbless.length) await db.query('UPDATE images SET variants_pending = 1 WHERE id IN (?)', [thumbless])
    // What is left of the deleted rows' files goes with the orphans.
    const leftOfBroken = rows.filter(r => brokenRows.includes(r.id)).flatMap(r => [r.filepath, r.thumbpath])
    const toDelete = [...new Set([...orphanFiles.map(o => o.key), ...leftOfBroken])]
    for (const key of toDelete) await store.delete(key)
    await removeTemp(...temp.map(name => join(tempDirOf(config.uploadFolder), name)))
    console.log(`doctor: repaired: deleted ${brokenRows.length} row(s), ${toDelete.length} file(s) without a row and ${temp.length} temporary file(s); ${thumbless.length} thumbnail(s) to be made again at the server's next start`)
  }
  else if (problems) {
    console.log('doctor: run `npm run doctor -- --repair` to repair')
  }
  process.exitCode = problems && !repair ? 1 : 0
}
finally {
  await db.end()
}
