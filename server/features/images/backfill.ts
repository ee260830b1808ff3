import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { and, asc, count, eq, gt } from 'drizzle-orm'
import { useBlobStore } from '../../infra/blob'
import { tables, useDb } from '../../infra/db'
import { removeTemp, tempFileName, uploadTempDir } from '../../infra/tempFiles'
import { readExif, sortKey, stripGps } from './exif'

const BATCH = 50
const SHA256_HEX = /^[0-9a-f]{64}$/

type PendingRow = { id: number, filepath: string, sha256: string, createdAt: Date }

/** Copies a stored original to a local temporary file, hashing it on the way; undefined when it is missing. */
async function fetchToTemp(key: string): Promise<{ tempFile: string, sha256: string } | undefined> {
  const body = await useBlobStore().get(key)
  if (!body) return undefined
  const tempFile = tempFileName(await uploadTempDir(), '.backfill')
  const hash = createHash('sha256')
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk)
      done(null, chunk)
    },
  })
  try {
    await pipeline(body, hashing, createWriteStream(tempFile, { flags: 'wx' }))
  }
  catch (error) {
    await removeTemp(tempFile)
    throw error
  }
  return { tempFile, sha256: hash.digest('hex') }
}

/**
 * Reads one old image's stored original: capture date, camera and sort key go into its row, GPS is
 * removed from the stored file (read to a temporary file, cleaned, put back under the same key), and
 * a missing or malformed hash is filled in. Returns false when the file is missing (left for a later run).
 *
 * Order for resumability: the file is replaced before the row is marked, so a crash in between
 * leaves a row that is read again next time — from a file that has no GPS any more. A row's stored
 * hash is kept even when the file no longer matches it: it is the hash of the bytes as uploaded.
 */
async function backfillImage(row: PendingRow): Promise<boolean> {
  const { images } = tables
  const fetched = await fetchToTemp(row.filepath)
  if (!fetched) return false
  const ext = row.filepath.slice(row.filepath.lastIndexOf('.') + 1).toLowerCase()
  try {
    const facts = await readExif(fetched.tempFile, ext)
    if (facts.hasGps) {
      if (await stripGps(fetched.tempFile, ext)) await useBlobStore().putFile(row.filepath, fetched.tempFile)
      else console.warn(`[gallery] backfill: could not remove GPS from image ${row.id}; its file is left as it was`)
    }
    await useDb().update(images).set({
      takenAt: facts.takenAt,
      takenOffset: facts.takenOffset,
      camera: facts.camera ? JSON.stringify(facts.camera) : null,
      sortAt: sortKey(facts.takenAt, facts.takenOffset, row.createdAt),
      metaVersion: 1,
      ...(SHA256_HEX.test(row.sha256) ? {} : { sha256: fetched.sha256 }),
    }).where(and(eq(images.id, row.id), eq(images.metaVersion, 0)))
    return true
  }
  finally {
    await removeTemp(fetched.tempFile)
  }
}

let running: Promise<void> | undefined

/**
 * The start-up job that gives images uploaded before capture dates existed (`meta_version = 0`)
 * their taken_at, camera, sort key and hash from their stored files, and removes GPS from those
 * files. One image at a time, in batches of 50 by id, logging progress after each batch; the rows
 * still at 0 are the queue, so a restart continues where the last run stopped. Rows whose file is
 * missing stay at 0 (the storage check reports them) and are tried again at the next start.
 * Several instances may run it at once: every step is idempotent.
 */
export function backfillImageMeta(): Promise<void> {
  running ??= runBackfill().finally(() => { running = undefined })
  return running
}

async function runBackfill(): Promise<void> {
  const { images } = tables
  const db = useDb()
  const [{ total } = { total: 0 }] = await db.select({ total: count() }).from(images).where(eq(images.metaVersion, 0))
  if (!total) return
  console.info(`[gallery] backfill: 0/${total} images`)
  let done = 0
  let missing = 0
  let failed = 0
  let after = 0
  for (;;) {
    const batch: PendingRow[] = await db
      .select({ id: images.id, filepath: images.filepath, sha256: images.sha256, createdAt: images.createdAt })
      .from(images)
      .where(and(eq(images.metaVersion, 0), gt(images.id, after)))
      .orderBy(asc(images.id))
      .limit(BATCH)
    if (!batch.length) break
    for (const row of batch) {
      after = row.id
      try {
        if (await backfillImage(row)) done++
        else missing++
      }
      catch (error) {
        // One unreadable object must not stop the rest; the row stays at 0 for the next start.
        failed++
        console.warn(`[gallery] backfill: image ${row.id} failed: ${error instanceof Error ? error.message : error}`)
      }
    }
    const left = missing + failed
    console.info(`[gallery] backfill: ${done}/${total} images${left ? ` (${left} left for the next start: ${missing} without a file, ${failed} failed)` : ''}`)
  }
}
