import { and, eq, inArray, isNotNull, lt, sql, type SQL } from 'drizzle-orm'
import { useBlobStore } from '../../infra/blob'
import { useConfig } from '../../infra/config'
import { tables, useDb } from '../../infra/db'
import type { ImageRow } from '../../infra/db/schema'
import { withOwnedImages } from '../auth/authorize'
import type { SessionUser } from '../auth/sessions'

const { images } = tables

/** Rows purged per transaction when emptying a whole trash: bounded lock sets and statements. */
const PURGE_CHUNK = 500
/** Files deleted at once after a purge (a full chunk is 1,000 objects). */
const FILE_DELETE_CONCURRENCY = 16

/** Takes images out of the trash; every id must be in the caller's trash (else 404, nothing restored). */
export function restoreImages(user: Pick<SessionUser, 'id'>, ids: number[]): Promise<number> {
  return withOwnedImages(user, ids, 'trashed', async (tx, rows) => {
    await tx.update(images).set({ deletedAt: null }).where(and(eq(images.userId, user.id), inArray(images.id, ids)))
    return rows.length
  })
}

/**
 * Deletes images from the caller's trash for good: every id must be there (else 404, nothing
 * deleted). Rows first, in one transaction with the rows locked (so of 50 identical requests one
 * deletes and the rest find nothing), then the files of exactly the rows this call deleted.
 */
export async function purgeImages(user: Pick<SessionUser, 'id'>, ids: number[]): Promise<number> {
  const rows = await withOwnedImages(user, ids, 'trashed', async (tx, rows) => {
    await tx.delete(images).where(and(eq(images.userId, user.id), inArray(images.id, ids)))
    return rows
  })
  await deleteFiles(rows)
  return rows.length
}

/** Empties the caller's whole trash; answers how many images this call deleted. */
export function emptyTrash(user: Pick<SessionUser, 'id'>): Promise<number> {
  // `and` of defined conditions is never undefined (undefined would mean "every row").
  return purgeAll(and(eq(images.userId, user.id), isNotNull(images.deletedAt))!)
}

/** Deletes for good every image trashed more than TRASH_DAYS ago (all users); answers how many. */
export function purgeExpiredTrash(): Promise<number> {
  // Compared in the database's clock, the one that wrote deleted_at. `and` of defined conditions is defined.
  return purgeAll(and(isNotNull(images.deletedAt), lt(images.deletedAt, sql`CURRENT_TIMESTAMP(3) - INTERVAL ${useConfig().trashDays} DAY`))!)
}

/**
 * Purges every image matching `condition`, a chunk at a time: candidates are found without locks,
 * then locked by primary key and re-checked inside the transaction that deletes them, so an image
 * restored meanwhile stays, and two callers (two instances' auto-empty, two "empty trash" clicks)
 * never delete, count or unlink the same image twice. Files go only after their rows are committed.
 */
async function purgeAll(condition: SQL): Promise<number> {
  let total = 0
  for (;;) {
    const candidates = await useDb().select({ id: images.id }).from(images).where(condition).limit(PURGE_CHUNK)
    if (candidates.length === 0) return total
    const rows = await useDb().transaction(async (tx) => {
      const locked = await tx.select().from(images)
        .where(and(inArray(images.id, candidates.map(c => c.id)), condition))
        .for('update')
      if (locked.length) await tx.delete(images).where(inArray(images.id, locked.map(r => r.id)))
      return locked
    }, { isolationLevel: 'read committed' })
    await deleteFiles(rows)
    total += rows.length
    if (candidates.length < PURGE_CHUNK) return total
  }
}

/**
 * Removes the original and thumbnail of rows already deleted. A failure is logged, not thrown: the
 * images are gone for the user, and what is left is a file without a row, which the consistency
 * sweep removes after its grace period (SPEC §6).
 */
async function deleteFiles(rows: ImageRow[]): Promise<void> {
  const store = useBlobStore()
  const keys = rows.flatMap(row => [row.filepath, row.thumbpath])
  let next = 0
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++]
      if (key === undefined) return
      await store.delete(key).catch((error: unknown) => {
        console.error(`[gallery] purge: could not delete ${key} (the storage sweep will): ${error instanceof Error ? error.message : error}`)
      })
    }
  }
  await Promise.all(Array.from({ length: Math.min(FILE_DELETE_CONCURRENCY, keys.length) }, worker))
}

let autoEmpty: NodeJS.Timeout | undefined

/**
 * Empties expired trash now and then every hour (SPEC §8: after TRASH_DAYS). Every instance runs it;
 * purgeAll makes that harmless. The timer is unref'd so it never keeps the process alive.
 */
export function startTrashAutoEmpty(): void {
  if (autoEmpty) return
  const run = () => purgeExpiredTrash().then(
    (count) => { if (count) console.info(`[gallery] trash: deleted ${count} image(s) trashed more than ${useConfig().trashDays} day(s) ago`) },
    (error: unknown) => console.error(`[gallery] trash auto-empty failed: ${error instanceof Error ? error.message : error}`),
  )
  autoEmpty = setInterval(run, 3600_000).unref()
  void run()
}
