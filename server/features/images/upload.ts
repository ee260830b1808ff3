import { stat } from 'node:fs/promises'
import { and, asc, eq } from 'drizzle-orm'
import type { H3Event } from 'h3'
import { getHeader } from 'h3'
import type { ImageDto } from '../../../shared/contracts/images'
import { useBlobStore } from '../../infra/blob'
import { tables, useDb } from '../../infra/db'
import { apiError, unauthorized } from '../../infra/http/errors'
import { assertQuotaRoom } from '../accounts/quota'
import { removeTemp } from '../../infra/tempFiles'
import { newImageKeys } from './consistency'
import { toImageDto } from './dto'
import { readExif, sortKey, stripGps } from './exif'
import { inspectImage } from './inspect'
import { receiveUpload } from './receive'
import { queueVariants } from './variants'

type Db = ReturnType<typeof useDb>
type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]

/** `409 DUPLICATE_IMAGE` when the user already has these bytes (live or in the trash). */
async function refuseDuplicate(db: Db | Tx, userId: number, sha256: string): Promise<void> {
  const { images } = tables
  const [existing] = await db
    .select({ id: images.id, deletedAt: images.deletedAt })
    .from(images)
    .where(and(eq(images.userId, userId), eq(images.sha256, sha256)))
    // NULLs first: a live copy wins over a trashed one (galleries from before duplicates may hold both).
    .orderBy(asc(images.deletedAt), asc(images.id))
    .limit(1)
  if (existing) throw apiError('DUPLICATE_IMAGE', { body: { image_id: existing.id, in_trash: existing.deletedAt !== null } })
}

type NewImageRow = typeof tables.images.$inferInsert

/** More than a multipart body's boundaries and headers around the one file ever take. */
const MULTIPART_SLACK_BYTES = 16 * 1024

/**
 * Inserts the row unless the user got the same bytes meanwhile. One upload of a user at a time
 * passes this point (the user's row stays locked until commit), so of 20 parallel uploads of the same
 * new file exactly one is inserted; read committed sees the rows committed by the previous holder.
 */
function insertUnlessDuplicate(userId: number, row: NewImageRow): Promise<number> {
  const { images, users } = tables
  return useDb().transaction(async (tx) => {
    const [user] = await tx.select({ id: users.id, disabledAt: users.disabledAt }).from(users).where(eq(users.id, userId)).for('update')
    // Deleted or disabled while uploading: the caller removes the files it stored, nothing stays.
    if (!user || user.disabledAt) throw unauthorized()
    await refuseDuplicate(tx, userId, row.sha256)
    // Under the lock: of 50 parallel uploads, only those that fit one after the other are inserted.
    await assertQuotaRoom(userId, row.size, tx)
    const [inserted] = await tx.insert(images).values(row).$returningId()
    // $returningId always yields one entry per inserted row.
    return inserted!.id
  }, { isolationLevel: 'read committed' })
}

/**
 * Receives, validates and stores one uploaded image for the user.
 *
 * Write order, and what a crash at each step leaves: the body goes to a local temporary file
 * (crash: temporary files of a dead process, removed by the start-up sweep); its header and
 * structure are checked without decoding the pixels; GPS tags are removed from the temporary
 * original in place; the file is moved into storage, then the row is inserted with
 * `variants_pending` (crash in between: an object without a row, removed by the start-up
 * consistency sweep once older than ORPHAN_GRACE_SECONDS). The row comes last because a row is what
 * makes an image visible: it never points at an original that is not there. The answer goes out
 * then; the thumbnail follows in the background (variants.ts; a GIF's is made at once). A duplicate
 * found only at insert time (a parallel upload won) deletes the files it moved in before answering 409.
 * test/api/crash-upload.test.ts kills the server at each step.
 */
export async function storeUpload(event: H3Event, userId: number): Promise<ImageDto> {
  // Quota (SPEC §10): refused before reading the body when even the declared size, less generous
  // multipart overhead, cannot fit; checked exactly before storing, and atomically at insert.
  const declared = Number(getHeader(event, 'content-length') ?? 0)
  await assertQuotaRoom(userId, Number.isFinite(declared) ? Math.max(0, declared - MULTIPART_SLACK_BYTES) : 0)
  const upload = await receiveUpload(event)
  const store = useBlobStore()
  let thumbFile: string | undefined
  try {
    // Before any decoding: a re-upload of a known file costs one indexed lookup.
    await refuseDuplicate(useDb(), userId, upload.sha256)
    const image = await inspectImage(upload.tempFile, upload.ext)
    thumbFile = image.thumbFile
    const facts = await readExif(upload.tempFile, upload.ext)
    // The hash stays that of the bytes as uploaded (so a re-upload is still a duplicate); the size is
    // what is stored and served. A file exiftool cannot clean is refused rather than kept with its location.
    let size = upload.size
    if (facts.hasGps) {
      if (!await stripGps(upload.tempFile, upload.ext)) throw apiError('INVALID_IMAGE')
      size = (await stat(upload.tempFile)).size
    }
    await assertQuotaRoom(userId, size)
    const keys = newImageKeys(userId, upload.ext)
    try {
      await store.putFile(keys.file, upload.tempFile)
      if (image.thumbFile) await store.putFile(keys.thumb, image.thumbFile)
      const createdAt = new Date()
      const row = {
        userId,
        filename: upload.filename,
        filepath: keys.file,
        thumbpath: keys.thumb,
        contentType: image.contentType,
        size,
        width: image.width,
        height: image.height,
        sha256: upload.sha256,
        createdAt,
        takenAt: facts.takenAt,
        takenOffset: facts.takenOffset,
        sortAt: sortKey(facts.takenAt, facts.takenOffset, createdAt),
        favorite: false,
        deletedAt: null,
        camera: facts.camera ? JSON.stringify(facts.camera) : null,
        metaVersion: 1,
        variantsPending: !image.thumbFile,
      }
      const id = await insertUnlessDuplicate(userId, row)
      if (row.variantsPending) queueVariants(id)
      return toImageDto({ ...row, id })
    }
    catch (error) {
      await Promise.all([store.delete(keys.file), store.delete(keys.thumb)])
      throw error
    }
  }
  finally {
    // Already moved when stored; otherwise nothing of a refused upload stays behind.
    await removeTemp(upload.tempFile, ...(thumbFile ? [thumbFile] : []))
  }
}
