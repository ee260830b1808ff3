// npm run doctor [-- --repair]
// Lists what a crash can leave behind — rows whose files are missing, files no row points at, and
// temporary files of uploads in flight — and with --repair removes them: orphan files are moved to
// <UPLOAD_FOLDER>/.orphans/ (never deleted outright), rows without their original are deleted.
// Run it with the same environment as the server (it reads .env); run --repair while the server is
// stopped, since an upload in flight briefly has a temporary file, or a file before its row.
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import mysql from 'mysql2/promise'
import { dbSettings } from '../server/infra/config.ts'
import { compareRowsAndFiles, listKeysOnDisk, type StoredRow } from '../server/features/images/consistency.ts'

const repair = process.argv.includes('--repair')
const root = (await import('node:path')).resolve(process.env.UPLOAD_FOLDER || './uploads')
const db = await mysql.createConnection({ ...dbSettings(), connectTimeout: 3000 }).catch((error) => {
  console.error(`doctor: cannot reach the database (${error.code ?? error.message})`)
  process.exit(2)
})

try {
  const [rows] = await db.query('SELECT id, filepath, thumbpath FROM images') as unknown as [StoredRow[]]
  const { missingFiles, orphanFiles } = compareRowsAndFiles(rows, await listKeysOnDisk(root))
  const temp = await readdir(join(root, '.tmp')).catch(() => [] as string[])

  console.log(`doctor: ${rows.length} image row(s) in ${dbSettings().database}, upload folder ${root}`)
  for (const { id, key } of missingFiles) console.log(`  row ${id}: file missing: ${key}`)
  for (const key of orphanFiles) console.log(`  orphan file (no row): ${key} (${(await stat(join(root, key))).size} bytes)`)
  for (const name of temp) console.log(`  leftover temporary file: .tmp/${name}`)
  const problems = missingFiles.length + orphanFiles.length + temp.length
  if (!problems) console.log('doctor: everything is consistent')

  if (repair && problems) {
    const brokenRows = [...new Set(missingFiles.map(m => m.id))]
    if (brokenRows.length) await db.query('DELETE FROM images WHERE id IN (?)', [brokenRows])
    // Remaining files of deleted rows become orphans too: move them with the others.
    const brokenKeys = rows.filter(r => brokenRows.includes(r.id)).flatMap(r => [r.filepath, r.thumbpath])
    const toMove = [...orphanFiles, ...brokenKeys.filter(k => !missingFiles.some(m => m.key === k))]
    for (const key of toMove) {
      const target = join(root, '.orphans', key)
      await mkdir(dirname(target), { recursive: true })
      await rename(join(root, key), target)
    }
    await Promise.all(temp.map(name => rm(join(root, '.tmp', name), { force: true })))
    console.log(`doctor: repaired: deleted ${brokenRows.length} row(s), moved ${toMove.length} file(s) to .orphans/, removed ${temp.length} temporary file(s)`)
  }
  else if (problems) {
    console.log('doctor: run `npm run doctor -- --repair` to repair')
  }
  process.exitCode = problems && !repair ? 1 : 0
}
finally {
  await db.end()
}
