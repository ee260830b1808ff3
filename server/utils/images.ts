import { and, desc, eq, lt, or, sql } from 'drizzle-orm'
import type { H3Event } from 'h3'
import type { ImageRow } from '../database/schema'
import type { ImageDto } from '#shared/types'

/** The version a URL carries, so responses can be cached forever (the bytes behind an id never change). */
const version = (image: Pick<ImageRow, 'sha256'>) => image.sha256.slice(0, 12)

export function toImageDto(image: ImageRow): ImageDto {
  const path = `/api/images/${image.id}/file`
  return {
    id: image.id,
    filename: image.filename,
    filepath: path,
    created_at: image.createdAt.toISOString(),
    url: `${path}?v=${version(image)}`,
    thumbnail_url: `${path}?variant=thumb&v=${version(image)}`,
    content_type: image.contentType,
    size: image.size,
    width: image.width,
    height: image.height,
  }
}

// The list pages and the single-image lookup run on every gallery view and image request: prepared
// once, since drizzle otherwise rebuilds the SQL text and its column mapping per call.
function prepareImageQueries() {
  const { images } = tables
  const db = useDb()
  const newestFirst = [desc(images.createdAt), desc(images.id)]
  return {
    one: db.select().from(images)
      .where(and(eq(images.id, sql.placeholder('id')), eq(images.userId, sql.placeholder('userId'))))
      .limit(1).prepare(),
    firstPage: db.select().from(images)
      .where(eq(images.userId, sql.placeholder('userId')))
      .orderBy(...newestFirst).limit(sql.placeholder('limit')).prepare(),
    // Keyset paging on (created_at, id), newest first, after the cursor image.
    nextPage: db.select().from(images)
      .where(and(
        eq(images.userId, sql.placeholder('userId')),
        or(
          lt(images.createdAt, sql.placeholder('createdAt')),
          and(eq(images.createdAt, sql.placeholder('createdAt')), lt(images.id, sql.placeholder('id'))),
        ),
      ))
      .orderBy(...newestFirst).limit(sql.placeholder('limit')).prepare(),
  }
}
let imageQueries: ReturnType<typeof prepareImageQueries> | undefined
const queries = () => (imageQueries ??= prepareImageQueries())

/** A page of the user's images, newest first, and whether more exist after it. */
export async function listImages(userId: number, limit: number, before?: number): Promise<{ images: ImageDto[], next?: number }> {
  let rows: ImageRow[]
  if (before === undefined) {
    rows = await queries().firstPage.execute({ userId, limit: limit + 1 })
  }
  else {
    const [cursor] = await queries().one.execute({ id: before, userId })
    if (!cursor) throw apiError(400, 'INVALID_CURSOR', '分页参数无效')
    rows = await queries().nextPage.execute({ userId, createdAt: cursor.createdAt, id: cursor.id, limit: limit + 1 })
  }
  const page = rows.slice(0, limit)
  return { images: page.map(toImageDto), next: rows.length > limit ? page.at(-1)!.id : undefined }
}

/** One of the user's images, or a 404 (also when it is someone else's: no existence oracle). */
export async function findImage(userId: number, id: number): Promise<ImageRow> {
  const [row] = await queries().one.execute({ id, userId })
  if (!row) throw imageNotFound()
  return row
}

/**
 * Receives, validates and stores one uploaded image for the user. Files are renamed into place
 * before the row is written; if the row cannot be written the files are removed again.
 */
export async function storeUpload(event: H3Event, userId: number): Promise<ImageDto> {
  const upload = await receiveUpload(event)
  let thumbFile: string | undefined
  try {
    const image = await inspectImage(upload.tempFile, upload.ext)
    thumbFile = image.thumbFile
    const keys = newKeys(userId, upload.ext)
    await commitFiles([[upload.tempFile, keys.file], [image.thumbFile, keys.thumb]])
    const row = {
      userId,
      filename: upload.filename,
      filepath: keys.file,
      thumbpath: keys.thumb,
      contentType: image.contentType,
      size: upload.size,
      width: image.width,
      height: image.height,
      sha256: upload.sha256,
      createdAt: new Date(),
    }
    try {
      const [inserted] = await useDb().insert(tables.images).values(row).$returningId()
      return toImageDto({ ...row, id: inserted!.id })
    }
    catch (error) {
      await removeFiles(keys.file, keys.thumb)
      throw error
    }
  }
  finally {
    await removeTemp(upload.tempFile, ...(thumbFile ? [thumbFile] : []))
  }
}

/** Deletes the user's image: the row first, then its files (a crash in between leaves only orphan files, which start-up reports). */
export async function deleteImage(userId: number, id: number): Promise<void> {
  const image = await findImage(userId, id)
  const [result] = await useDb().delete(tables.images)
    .where(and(eq(tables.images.id, image.id), eq(tables.images.userId, userId)))
  if (result.affectedRows !== 1) throw imageNotFound()
  await removeFiles(image.filepath, image.thumbpath)
}
