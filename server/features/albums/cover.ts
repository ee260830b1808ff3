import { and, desc, eq, isNull, sql } from 'drizzle-orm'
import { alias } from 'drizzle-orm/mysql-core'
import { tables, useDb } from '../../infra/db'
import { imageNotFound } from '../../infra/http/errors'
import type { Tx } from './lock'

// The cover rule (SPEC §8) in one place: the chosen `cover_image_id` while that photo is in the
// album and live, else the most recently added live photo, else none. It is computed when read, not
// stored, so trashing, restoring or removing photos never leaves a stale cover behind.

const { albums, albumImages, images } = tables

/** The chosen cover's link and image, joined only while the photo is in the album and not trashed. */
export const chosenLink = alias(albumImages, 'chosen_link')
export const chosenImage = alias(images, 'chosen_image')
/** The cover photo's row (the chosen one, else the newest live one). */
export const coverImage = alias(images, 'cover_image')

export const chosenLinkJoin = and(eq(chosenLink.albumId, albums.id), eq(chosenLink.imageId, albums.coverImageId))
export const chosenImageJoin = and(eq(chosenImage.id, chosenLink.imageId), isNull(chosenImage.deletedAt))

/**
 * Joins the cover: the chosen image when it passed the joins above, else the album's most recently
 * added live photo (a correlated LIMIT 1 that walks album_images_album_added_idx backwards and stops
 * at the first live photo).
 */
export function coverImageJoin() {
  const newestLive = useDb().select({ id: albumImages.imageId }).from(albumImages)
    .innerJoin(images, eq(images.id, albumImages.imageId))
    .where(and(eq(albumImages.albumId, albums.id), isNull(images.deletedAt)))
    .orderBy(desc(albumImages.addedAt), desc(albumImages.imageId))
    .limit(1)
  return sql`${coverImage.id} = COALESCE(${chosenImage.id}, (${newestLive}))`
}

/** 404 IMAGE_NOT_FOUND unless the image is one of the album's live photos (what a chosen cover must be). */
export async function assertCoverCandidate(tx: Tx, albumId: number, userId: number, imageId: number): Promise<void> {
  const [row] = await tx.select({ id: images.id }).from(albumImages)
    .innerJoin(images, eq(images.id, albumImages.imageId))
    .where(and(eq(albumImages.albumId, albumId), eq(albumImages.imageId, imageId), eq(images.userId, userId), isNull(images.deletedAt)))
  if (!row) throw imageNotFound()
}
