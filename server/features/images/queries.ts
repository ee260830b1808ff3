import { and, desc, eq, lt, or, sql } from 'drizzle-orm'
import type { ImageDto } from '../../../shared/contracts/images'
import { tables, useDb } from '../../infra/db'
import type { ImageRow } from '../../infra/db/schema'
import { apiError, imageNotFound } from '../../infra/http/errors'
import { toImageDto } from './dto'

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
    if (!cursor) throw apiError('INVALID_CURSOR')
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
