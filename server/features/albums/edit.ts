import { eq, sql } from 'drizzle-orm'
import { tables, useDb } from '../../infra/db'
import type { AlbumRow } from '../../infra/db/schema'
import { assertCoverCandidate } from './cover'
import { withAlbumLocked } from './lock'

const { albums } = tables

/** What changing an album sets on its row: the time it shows as "recently updated". */
export const touched = { updatedAt: sql`CURRENT_TIMESTAMP(3)` }

/** Creates an empty album; returns its id. */
export async function createAlbum(userId: number, input: { title: string, description?: string }): Promise<number> {
  const [row] = await useDb().insert(albums).values({ userId, title: input.title, description: input.description ?? '' }).$returningId()
  // A one-row insert returns one id.
  return row!.id
}

export interface AlbumPatch {
  title?: string
  description?: string
  /** null clears the choice (the cover falls back to the newest photo). */
  cover_image_id?: number | null
}

/** Changes the album's fields. A chosen cover must be one of its live photos (else 404 IMAGE_NOT_FOUND, nothing changed). */
export async function updateAlbum(album: AlbumRow, patch: AlbumPatch): Promise<void> {
  await withAlbumLocked(album, async (tx) => {
    if (patch.cover_image_id != null) await assertCoverCandidate(tx, album.id, album.userId, patch.cover_image_id)
    await tx.update(albums)
      .set({ title: patch.title, description: patch.description, coverImageId: patch.cover_image_id, ...touched })
      .where(eq(albums.id, album.id))
  })
}

/** Deletes the album and its links (foreign-key cascade); the photos stay in the gallery. */
export async function deleteAlbum(album: AlbumRow): Promise<void> {
  // The row is locked and its owner checked first (a parallel delete gets the 404), then deleted by
  // primary key: the same lock order as every other change to the album.
  await withAlbumLocked(album, tx => tx.delete(albums).where(eq(albums.id, album.id)))
}
