import { and, eq } from 'drizzle-orm'
import { removeFiles } from '../../infra/blob/fs'
import { tables, useDb } from '../../infra/db'
import { imageNotFound } from '../../infra/http/errors'
import { findImage } from './queries'

/** Deletes the user's image: the row first, then its files (a crash in between leaves only orphan files, which start-up reports). */
export async function deleteImage(userId: number, id: number): Promise<void> {
  const image = await findImage(userId, id)
  const [result] = await useDb().delete(tables.images)
    .where(and(eq(tables.images.id, image.id), eq(tables.images.userId, userId)))
  if (result.affectedRows !== 1) throw imageNotFound()
  await removeFiles(image.filepath, image.thumbpath)
}
