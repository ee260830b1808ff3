import { and, eq } from 'drizzle-orm'
import { removeFiles } from '../../infra/blob/fs'
import { tables, useDb } from '../../infra/db'
import { imageNotFound } from '../../infra/http/errors'
import type { ImageRow } from '../../infra/db/schema'

/**
 * Deletes an image the caller owns (checked by `ownedImage` in features/auth/authorize.ts): the row
 * first, then its files (a crash in between leaves only orphan files, which start-up reports). The
 * DELETE stays scoped by owner: a parallel delete of the same image gets the 404.
 */
export async function deleteImage(image: ImageRow): Promise<void> {
  const [result] = await useDb().delete(tables.images)
    .where(and(eq(tables.images.id, image.id), eq(tables.images.userId, image.userId)))
  if (result.affectedRows !== 1) throw imageNotFound()
  await removeFiles(image.filepath, image.thumbpath)
}
