import { sql } from 'drizzle-orm'
import { sweepTemp } from '../../infra/blob/fs'
import { useConfig } from '../../infra/config'
import { ensureDatabase, tables, useDb } from '../../infra/db'
import { runMigrations } from '../../infra/db/migrate'
import { serviceUnavailable } from '../../infra/http/errors'
import { purgeExpiredSessions } from '../auth/sessions'
import { compareRowsAndFiles, listKeysOnDisk, type ConsistencyReport } from '../images/consistency'

let ready: Promise<void> | undefined
let lastFailure = 0

/** True when the database answers a trivial query within a couple of seconds. */
export async function databaseAnswers(): Promise<boolean> {
  try {
    await Promise.race([
      useDb().execute(sql`SELECT 1`),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2500).unref()),
    ])
    return true
  }
  catch {
    return false
  }
}

/** Compares rows with files (reported at start-up; `npm run doctor` shows and repairs them). */
export async function checkConsistency(): Promise<ConsistencyReport> {
  const rows = await useDb().select({ id: tables.images.id, filepath: tables.images.filepath, thumbpath: tables.images.thumbpath }).from(tables.images)
  return compareRowsAndFiles(rows, await listKeysOnDisk(useConfig().uploadFolder))
}

/** Logs rows without files and files without rows; runs after start-up so requests never wait for the scan. */
async function reportConsistency(): Promise<void> {
  const { missingFiles, orphanFiles } = await checkConsistency()
  if (missingFiles.length || orphanFiles.length) {
    console.warn(`[gallery] storage check: ${missingFiles.length} row(s) without a file, ${orphanFiles.length} file(s) without a row — run \`npm run doctor\` to list and repair`)
  }
}

async function start(): Promise<void> {
  await ensureDatabase()
  await runMigrations()
  // Before any request: leftovers of uploads cut off by a crash (no upload of this process is in flight yet).
  const swept = await sweepTemp()
  const purged = await purgeExpiredSessions()
  console.info(`[gallery] database ready; swept ${swept} temporary file(s), purged ${purged} expired session(s)`)
  reportConsistency().catch(error => console.error(`[gallery] storage check failed: ${error?.message ?? error}`))
}

/**
 * Start-up work (database, migrations, sweep) as one promise that requests wait for. When the
 * database is down it is retried on a later request, at most every two seconds.
 */
export function whenReady(): Promise<void> {
  if (!ready && Date.now() - lastFailure < 2000) return Promise.reject(serviceUnavailable())
  ready ??= start().catch((error) => {
    ready = undefined
    lastFailure = Date.now()
    console.error(`[gallery] start-up failed: ${error?.message ?? error}`)
    throw serviceUnavailable()
  })
  return ready
}
