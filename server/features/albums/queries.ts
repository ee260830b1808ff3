import { and, desc, eq, getTableColumns, isNull, lt, or, sql } from 'drizzle-orm'
import type { AlbumDto } from '../../../shared/contracts/albums'
import type { ImageDto } from '../../../shared/contracts/images'
import { tables, useDb } from '../../infra/db'
import type { AlbumRow } from '../../infra/db/schema'
import { apiError } from '../../infra/http/errors'
import { toImageDto } from '../images/dto'
import { chosenImage, chosenImageJoin, chosenLink, chosenLinkJoin, coverImage, coverImageJoin } from './cover'
import { toAlbumDto, type AlbumSummaryRow } from './dto'

const { albums, albumImages, images } = tables

export const albumNotFound = () => apiError('ALBUM_NOT_FOUND')

/**
 * The user's albums (or the one given) with their live photo counts and covers, recently updated
 * first, in one query: the counts come from one grouped pass over the user's live photos' links
 * (covering indexes only), the cover from two primary-key joins and one correlated LIMIT 1 per album
 * (docs/PERFORMANCE.md has the plan).
 */
async function albumSummaries(userId: number, albumId?: number): Promise<AlbumSummaryRow[]> {
  const db = useDb()
  const counts = db.select({ albumId: albumImages.albumId, imageCount: sql<number>`COUNT(*)`.as('image_count') })
    .from(images)
    .innerJoin(albumImages, eq(albumImages.imageId, images.id))
    .where(and(eq(images.userId, userId), isNull(images.deletedAt), albumId === undefined ? undefined : eq(albumImages.albumId, albumId)))
    .groupBy(albumImages.albumId)
    .as('counts')
  return db.select({
    album: albums,
    imageCount: sql<number>`COALESCE(${counts.imageCount}, 0)`.mapWith(Number),
    cover: { id: coverImage.id, sha256: coverImage.sha256 },
  })
    .from(albums)
    .leftJoin(counts, eq(counts.albumId, albums.id))
    .leftJoin(chosenLink, chosenLinkJoin)
    .leftJoin(chosenImage, chosenImageJoin)
    .leftJoin(coverImage, coverImageJoin())
    .where(and(eq(albums.userId, userId), albumId === undefined ? undefined : eq(albums.id, albumId)))
    .orderBy(desc(albums.updatedAt), desc(albums.id))
}

/** Every album of the user, recently updated first. */
export async function listAlbums(userId: number): Promise<AlbumDto[]> {
  return (await albumSummaries(userId)).map(toAlbumDto)
}

/** The album as the API answers it (404 when it has just been deleted). */
export async function albumDto(album: Pick<AlbumRow, 'id' | 'userId'>): Promise<AlbumDto> {
  const [row] = await albumSummaries(album.userId, album.id)
  if (!row) throw albumNotFound()
  return toAlbumDto(row)
}

/** One of the user's albums, or a 404 (also when it is someone else's: no existence oracle). */
export async function findAlbum(userId: number, id: number): Promise<AlbumRow> {
  const [row] = await useDb().select().from(albums).where(and(eq(albums.id, id), eq(albums.userId, userId))).limit(1)
  if (!row) throw albumNotFound()
  return row
}

const newestAddedFirst = [desc(albumImages.addedAt), desc(albumImages.imageId)]

/**
 * A page of the album's live photos, most recently added first (photos added together are ordered
 * by id), and whether more exist. `before` is the last image id of the previous page: it must be in
 * the album (trashed or not, so a page edge trashed between two requests does not break paging),
 * else 400 INVALID_CURSOR.
 */
export async function listAlbumImages(album: AlbumRow, limit: number, before?: number): Promise<{ images: ImageDto[], next?: number }> {
  const db = useDb()
  let after
  if (before !== undefined) {
    const [cursor] = await db.select({ addedAt: albumImages.addedAt, imageId: albumImages.imageId }).from(albumImages)
      .where(and(eq(albumImages.albumId, album.id), eq(albumImages.imageId, before)))
    if (!cursor) throw apiError('INVALID_CURSOR')
    after = or(
      lt(albumImages.addedAt, cursor.addedAt),
      and(eq(albumImages.addedAt, cursor.addedAt), lt(albumImages.imageId, cursor.imageId)),
    )
  }
  const rows = await db.select(getTableColumns(images)).from(albumImages)
    .innerJoin(images, eq(images.id, albumImages.imageId))
    .where(and(eq(albumImages.albumId, album.id), eq(images.userId, album.userId), isNull(images.deletedAt), after))
    .orderBy(...newestAddedFirst)
    .limit(limit + 1)
  const page = rows.slice(0, limit)
  // More rows than the limit means the page is full, so it has a last row.
  return { images: page.map(toImageDto), next: rows.length > limit ? page.at(-1)!.id : undefined }
}
