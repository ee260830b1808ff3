import { and, desc, eq, getTableColumns, isNull, lt, or, sql } from 'drizzle-orm'
import { alias } from 'drizzle-orm/mysql-core'
import type { AlbumDto } from '../../../shared/contracts/albums'
import type { ImageDto } from '../../../shared/contracts/images'
import { tables, useDb } from '../../infra/db'
import type { AlbumRow } from '../../infra/db/schema'
import { apiError } from '../../infra/http/errors'
import { toImageDto } from '../images/dto'
import { toPage } from '../images/queries'
import { chosenImage, chosenImageJoin, chosenLink, chosenLinkJoin, coverImage, coverImageJoin } from './cover'
import { toAlbumDto, type AlbumSummaryRow } from './dto'

const { albums, albumImages, images } = tables
/** The link of the image a next page continues after (its `before`). */
const cursorLink = alias(albumImages, 'cursor_link')

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

const ph = sql.placeholder

/**
 * The album page's statements, built once on first use like the image list's (images/queries.ts
 * prepareListQuery): the album page is read as often as the list, and drizzle otherwise rebuilds the
 * SQL text and its column mapping on every call (PERFORMANCE.md "Organize": that build, for the
 * ownership lookup and the page, was the album page's extra cost over the plain list).
 */
function prepareAlbumQueries() {
  const db = useDb()
  /**
   * The album's live photos, most recently added first (photos added together by id): album_images_
   * album_added_idx read backwards, one primary-key join per row, stopping at the limit. A next page
   * continues below the cursor's (added_at, image_id), joining the cursor's link rather than looking
   * it up first: a primary-key match on constants, so MariaDB reads it once while planning and ranges
   * over the index as with literal values, and the page costs one round trip like the first.
   */
  const page = (paged: boolean) => {
    const base = db.select(getTableColumns(images)).from(albumImages)
      .innerJoin(images, eq(images.id, albumImages.imageId))
      .$dynamic()
    const below = or(lt(albumImages.addedAt, cursorLink.addedAt), and(eq(albumImages.addedAt, cursorLink.addedAt), lt(albumImages.imageId, cursorLink.imageId)))
    return (paged ? base.innerJoin(cursorLink, and(eq(cursorLink.albumId, albumImages.albumId), eq(cursorLink.imageId, ph('before')), below)) : base)
      .where(and(eq(albumImages.albumId, ph('albumId')), eq(images.userId, ph('userId')), isNull(images.deletedAt)))
      .orderBy(desc(albumImages.addedAt), desc(albumImages.imageId))
      .limit(ph('limit'))
      .prepare()
  }
  return {
    album: db.select().from(albums).where(and(eq(albums.id, ph('id')), eq(albums.userId, ph('userId')))).limit(1).prepare(),
    cursor: db.select({ imageId: albumImages.imageId }).from(albumImages)
      .where(and(eq(albumImages.albumId, ph('albumId')), eq(albumImages.imageId, ph('imageId')))).limit(1).prepare(),
    firstPage: page(false),
    nextPage: page(true),
  }
}
let prepared: ReturnType<typeof prepareAlbumQueries> | undefined
const queries = () => (prepared ??= prepareAlbumQueries())

/** One of the user's albums, or a 404 (also when it is someone else's: no existence oracle). */
export async function findAlbum(userId: number, id: number): Promise<AlbumRow> {
  const [row] = await queries().album.execute({ id, userId })
  if (!row) throw albumNotFound()
  return row
}

/**
 * A page of the album's live photos, most recently added first (photos added together are ordered
 * by id), and whether more exist. `before` is the last image id of the previous page: it must be in
 * the album (trashed or not, so a page edge trashed between two requests does not break paging),
 * else 400 INVALID_CURSOR.
 */
export async function listAlbumImages(album: AlbumRow, limit: number, before?: number): Promise<{ images: ImageDto[], next?: number }> {
  const params = { albumId: album.id, userId: album.userId, limit: limit + 1 }
  let rows
  if (before === undefined) {
    rows = await queries().firstPage.execute(params)
  }
  else {
    rows = await queries().nextPage.execute({ ...params, before })
    // No row: past the album's end, or a cursor that is not in the album, which only a lookup tells apart.
    if (!rows.length && !(await queries().cursor.execute({ albumId: album.id, imageId: before })).length) throw apiError('INVALID_CURSOR')
  }
  const { items, next } = toPage(rows, limit, toImageDto)
  return { images: items, next }
}
