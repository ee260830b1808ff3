import { and, eq, inArray, isNull, sql } from 'drizzle-orm'
import { tables } from '../../infra/db'
import type { AlbumRow } from '../../infra/db/schema'
import { imageNotFound } from '../../infra/http/errors'
import { touched } from './edit'
import { withAlbumLocked } from './lock'

const { albums, albumImages, images } = tables

/**
 * Adds the user's live photos to the album; returns how many were not in it yet. All or nothing: if
 * any id is not one of the owner's live photos, 404 IMAGE_NOT_FOUND and no link is made. Links that
 * already exist are kept as they are (their place in the album's order too).
 */
export function addAlbumImages(album: AlbumRow, imageIds: number[]): Promise<number> {
  return withAlbumLocked(album, async (tx) => {
    const found = await tx.select({ id: images.id }).from(images)
      .where(and(eq(images.userId, album.userId), isNull(images.deletedAt), inArray(images.id, imageIds)))
    // `imageIds` is deduplicated by its schema, so equal lengths mean every id was found.
    if (found.length !== imageIds.length) throw imageNotFound()
    // IGNORE skips the links that already exist; with the album locked, nothing else can fail here
    // (the album row exists, and every image was just seen).
    const [result] = await tx.insert(albumImages).ignore().values(imageIds.map(imageId => ({ albumId: album.id, imageId })))
    if (result.affectedRows > 0) await tx.update(albums).set(touched).where(eq(albums.id, album.id))
    return result.affectedRows
  })
}

/**
 * Removes photos from the album (never from the gallery); returns how many links went. Ids that are
 * not in the album count nothing. A trashed photo's link stays (hidden until the photo is restored,
 * SPEC §8): what the owner cannot see in the album, this does not take away. Removing the chosen
 * cover clears the choice, so adding the photo back later does not silently make it the cover again.
 */
export function removeAlbumImages(album: AlbumRow, imageIds: number[]): Promise<number> {
  return withAlbumLocked(album, async (tx) => {
    const live = await tx.select({ id: albumImages.imageId }).from(albumImages)
      .innerJoin(images, eq(images.id, albumImages.imageId))
      .where(and(eq(albumImages.albumId, album.id), inArray(albumImages.imageId, imageIds), isNull(images.deletedAt)))
    if (live.length === 0) return 0
    const removed = live.map(row => row.id)
    const [result] = await tx.delete(albumImages).where(and(eq(albumImages.albumId, album.id), inArray(albumImages.imageId, removed)))
    await tx.update(albums).set({
      ...touched,
      coverImageId: sql`CASE WHEN ${inArray(albums.coverImageId, removed)} THEN NULL ELSE ${albums.coverImageId} END`,
    }).where(eq(albums.id, album.id))
    return result.affectedRows
  })
}
