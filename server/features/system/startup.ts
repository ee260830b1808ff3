import { sql } from 'drizzle-orm'
import { useBlobStore } from '../../infra/blob'
import { useConfig } from '../../infra/config'
import { ensureDatabase, tables, useDb } from '../../infra/db'
import { runMigrations } from '../../infra/db/migrate'
import { serviceUnavailable } from '../../infra/http/errors'
import { sweepTemp } from '../../infra/tempFiles'
import { purgeExpiredSessions } from '../auth/sessions'
import { backfillImageMeta } from '../images/backfill'
import { checkConsistency, removeOrphans } from '../images/consistency'
import { startTrashAutoEmpty } from '../images/trash'
import { resumeVariants } from '../images/variants'

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

/**
 * The consistency sweep: deletes objects without a row once older than ORPHAN_GRACE_SECONDS (what a
 * crash between storing an upload's files and inserting its row, or between deleting a row and its
 * files, leaves) and reports rows without files, which are never deleted automatically (SPEC §6).
 * Runs after start-up, so requests never wait for the scan.
 */
async function sweepStorage(): Promise<void> {
  const store = useBlobStore()
  const readRows = () => useDb().select({ id: tables.images.id, filepath: tables.images.filepath, thumbpath: tables.images.thumbpath, variantsPending: tables.images.variantsPending }).from(tables.images)
  const { missingFiles, orphanFiles } = await checkConsistency(store, readRows)
  const removed = await removeOrphans(store, orphanFiles, useConfig().orphanGraceMs)
  if (removed.length) console.info(`[gallery] storage sweep: removed ${removed.length} file(s) without a row`)
  const kept = orphanFiles.length - removed.length
  if (missingFiles.length || kept) {
    console.warn(`[gallery] storage check: ${missingFiles.length} row(s) without a file, ${kept} file(s) without a row kept (recent or not made by an upload) — run \`npm run doctor\` to list and repair`)
  }
}

async function start(): Promise<void> {
  await ensureDatabase()
  await runMigrations()
  // Before any request: leftovers of uploads cut off by a crash (no upload of this process is in flight yet).
  const swept = await sweepTemp()
  const purged = await purgeExpiredSessions()
  console.info(`[gallery] database ready; swept ${swept} temporary file(s), purged ${purged} expired session(s)`)
  sweepStorage().catch(error => console.error(`[gallery] storage sweep failed: ${error?.message ?? error}`))
  // Trash older than TRASH_DAYS: now, then hourly (unref'd timer; harmless on several instances at once).
  startTrashAutoEmpty()
  // Thumbnails of uploads that a stop or crash cut off before their turn.
  resumeVariants().catch(error => console.error(`[gallery] thumbnail queue: ${error?.message ?? error} (retried at the next start)`))
  // Capture dates, camera and GPS removal for images uploaded before they existed: in the background.
  backfillImageMeta().catch(error => console.error(`[gallery] backfill stopped: ${error?.message ?? error} (it continues at the next start)`))
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
