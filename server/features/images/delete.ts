import { and, eq } from 'drizzle-orm'
import { useBlobStore } from '../../infra/blob'
import { tables, useDb } from '../../infra/db'
import type { ImageRow } from '../../infra/db/schema'
import { imageNotFound } from '../../infra/http/errors'

/**
 * Deletes an image the caller owns (checked by `ownedImage` in features/auth/authorize.ts): the row
 * first, then its files (a crash in between leaves only objects without a row, which the start-up
 * consistency sweep removes once older than the grace period). The DELETE stays scoped by owner: a
 * parallel delete of the same image gets the 404.
 */
export async function deleteImage(image: ImageRow): Promise<void> {
  const [result] = await useDb().delete(tables.images)
    .where(and(eq(tables.images.id, image.id), eq(tables.images.userId, image.userId)))
  if (result.affectedRows !== 1) throw imageNotFound()
  const store = useBlobStore()
  await Promise.all([store.delete(image.filepath), store.delete(image.thumbpath)])
}
