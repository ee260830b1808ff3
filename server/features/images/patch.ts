import { and, eq, isNull } from 'drizzle-orm'
import type { ImageDto } from '../../../shared/contracts/images'
import { tables, useDb } from '../../infra/db'
import type { ImageRow } from '../../infra/db/schema'
import { apiError, imageNotFound } from '../../infra/http/errors'
import { toImageDto } from './dto'
import { findImage } from './queries'
import { cleanFilename } from './receive'

/**
 * `PATCH /api/images/:id`: renames (the name cleaned exactly like an upload's, then 1–255
 * characters, else 400 INVALID_FILENAME) and/or (un)favourites one of the caller's live images
 * (checked by `ownedLiveImage`). Answers the image as it now is; 404 when it went to the trash meanwhile.
 */
export async function patchImage(image: ImageRow, changes: { filename?: string, favorite?: boolean }): Promise<ImageDto> {
  const set: Partial<Pick<ImageRow, 'filename' | 'favorite'>> = {}
  if (changes.filename !== undefined) {
    const filename = cleanFilename(changes.filename)
    const length = [...filename].length
    if (length < 1 || length > 255) throw apiError('INVALID_FILENAME')
    set.filename = filename
  }
  if (changes.favorite !== undefined) set.favorite = changes.favorite
  const { images } = tables
  const [result] = await useDb().update(images).set(set)
    .where(and(eq(images.id, image.id), eq(images.userId, image.userId), isNull(images.deletedAt)))
  if (result.affectedRows !== 1) throw imageNotFound()
  return toImageDto(await findImage(image.userId, image.id))
}
