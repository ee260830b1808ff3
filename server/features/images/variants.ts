import { writeFile } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { and, asc, eq, gt } from 'drizzle-orm'
import sharp, { type Sharp } from 'sharp'
import { useBlobStore } from '../../infra/blob'
import { useConfig } from '../../infra/config'
import { reportThumbnailQueue } from '../../infra/metrics'
import { tables, useDb } from '../../infra/db'
import { removeTemp, tempFileName, uploadTempDir } from '../../infra/tempFiles'

// Thumbnails are made after the upload has answered (SPEC §12): an upload is done once its original
// is stored and its row inserted with `variants_pending = 1`. The rows still pending are the queue,
// so work cut off by a restart is picked up at the next start (resumeVariants), on whichever
// instance starts; a thumbnail asked for before its turn is made at once (ensureVariants), and the
// viewer shows its placeholder tile meanwhile. Making a thumbnail is idempotent (same input, same
// key), so two instances doing the same one at once do no harm.

const THUMB_SIZE = 480

sharp.cache(false)

// Decoding is CPU- and memory-heavy: at most two images are processed at once, the rest wait their turn.
let active = 0
const waiting: Array<() => void> = []
export async function withImageSlot<T>(work: () => Promise<T>): Promise<T> {
  if (active >= 2) await new Promise<void>(resolve => waiting.push(resolve))
  active++
  try { return await work() }
  finally {
    active--
    waiting.shift()?.()
  }
}

const thumbnailPipeline = (image: Sharp) => image
  .rotate()
  .resize({ width: THUMB_SIZE, height: THUMB_SIZE, fit: 'inside', withoutEnlargement: true })
  // effort 2 (of 0–6): a third less CPU per upload than the default 4 for ~4 % larger thumbnails.
  .webp({ quality: 78, effort: 2 })

/** The WebP thumbnail of an image file or buffer (EXIF orientation applied, metadata stripped, first frame). */
export function thumbnailBytes(input: string | Buffer, failOn: 'error' | 'none' = 'error'): Promise<Buffer> {
  return thumbnailPipeline(sharp(input, { limitInputPixels: useConfig().maxImagePixels, failOn })).toBuffer()
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** A neutral grey tile, for an original that passed the upload's checks but cannot be decoded after all. */
const placeholder = () => sharp({ create: { width: THUMB_SIZE, height: 360, channels: 3, background: '#d4d4d8' } }).webp({ quality: 50 }).toBuffer()

/**
 * The thumbnail of a stored original. A file that fails strict decoding (damage inside the
 * compressed data, which the upload's structural check cannot see) gets what libvips can still
 * show of it, and a grey tile when nothing decodes: the original itself is kept as uploaded.
 */
function renderStored(id: number, filepath: string): Promise<Buffer | undefined> {
  // The original is read inside the slot: a grid asking for 50 pending thumbnails at once holds at
  // most two originals in memory, not 50.
  return withImageSlot(async () => {
    const stream = await useBlobStore().get(filepath)
    if (!stream) return undefined
    const original = await readAll(stream)
    try { return await thumbnailBytes(original) }
    catch (strict) {
      try {
        const bytes = await thumbnailBytes(original, 'none')
        console.warn(`[gallery] image ${id}: damaged data (${(strict as Error).message.split('\n')[0]}); thumbnail made from what decodes`)
        return bytes
      }
      catch {
        console.warn(`[gallery] image ${id}: cannot be decoded; its thumbnail is a grey tile (the original is kept as uploaded)`)
        return placeholder()
      }
    }
  })
}

/** Makes and stores one image's thumbnail if its row still waits for it. */
async function makeVariants(id: number): Promise<void> {
  const { images } = tables
  const db = useDb()
  const [row] = await db.select({ filepath: images.filepath, thumbpath: images.thumbpath, pending: images.variantsPending })
    .from(images).where(eq(images.id, id)).limit(1)
  if (!row?.pending) return
  const bytes = await renderStored(id, row.filepath)
  // The original is gone: the row was deleted meanwhile (or storage lost it, which the sweep reports).
  if (!bytes) return
  const store = useBlobStore()
  const temp = tempFileName(await uploadTempDir(), '.webp')
  try {
    // Written by us rather than by libvips, so a full disk surfaces as ENOSPC, not as a bad image.
    await writeFile(temp, bytes, { flag: 'wx' })
    await store.putFile(row.thumbpath, temp)
  }
  finally {
    await removeTemp(temp)
  }
  const [result] = await db.update(images).set({ variantsPending: false }).where(and(eq(images.id, id), eq(images.variantsPending, true)))
  if (result.affectedRows === 0) {
    // Not pending any more: done by someone else (same bytes, same key), or the row was deleted
    // while we worked, in which case the thumbnail just stored would be an orphan.
    const [still] = await db.select({ id: images.id }).from(images).where(eq(images.id, id)).limit(1)
    if (!still) await store.delete(row.thumbpath)
  }
}

const inFlight = new Map<number, Promise<void>>()

/** Makes the image's thumbnail now, or waits for the run already making it. */
export function ensureVariants(id: number): Promise<void> {
  let run = inFlight.get(id)
  if (!run) {
    run = makeVariants(id).finally(() => inFlight.delete(id))
    inFlight.set(id, run)
  }
  return run
}

const queue: number[] = []
let draining = false

reportThumbnailQueue(() => queue.length + (draining ? 1 : 0))

/** One at a time, so the other image slot stays free for thumbnails someone is waiting for. */
async function drain(): Promise<void> {
  if (draining) return
  draining = true
  try {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      try { await ensureVariants(id) }
      catch (error) {
        // Left pending: made on demand, or at the next start.
        console.error(`[gallery] thumbnail of image ${id} failed: ${(error as Error)?.message ?? error}`)
      }
    }
  }
  finally {
    draining = false
  }
}

/** Queues an uploaded image's thumbnail (after its row is committed). */
export function queueVariants(id: number): void {
  queue.push(id)
  void drain()
}

/** At start-up: queues every row still waiting for its thumbnail (a restart, or another instance's crash). */
export async function resumeVariants(): Promise<number> {
  const { images } = tables
  let after = 0
  let total = 0
  for (;;) {
    const rows = await useDb().select({ id: images.id }).from(images)
      .where(and(eq(images.variantsPending, true), gt(images.id, after))).orderBy(asc(images.id)).limit(500)
    if (!rows.length) break
    for (const { id } of rows) queueVariants(id)
    after = rows.at(-1)!.id
    total += rows.length
  }
  if (total) console.info(`[gallery] thumbnails: ${total} image(s) waiting from before the start, queued`)
  return total
}
