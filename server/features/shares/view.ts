import { and, desc, eq, isNull, lt, or } from 'drizzle-orm'
import type { SharedImageDto, SharedViewDto } from '../../../shared/contracts/shares'
import { tables, useDb } from '../../infra/db'
import type { ImageRow, ShareRow } from '../../infra/db/schema'
import { apiError } from '../../infra/http/errors'
import { takenAtIso } from '../images/dto'
import { type Page, toPage } from '../images/queries'
import { shareNotFound } from './manage'
import { sharedFileUrl } from './tokens'

const { albums, albumImages, images } = tables

/** A photo as a stranger sees it: size, capture date and file URLs — no file name, owner, camera or place. */
function toSharedImage(share: ShareRow, token: string, image: ImageRow): SharedImageDto {
  const dto: SharedImageDto = {
    id: image.id,
    width: image.width,
    height: image.height,
    taken_at: takenAtIso(image),
    thumbnail_url: sharedFileUrl(token, image.id, 'thumb'),
    preview_url: sharedFileUrl(token, image.id, 'preview'),
  }
  if (share.allowDownload) dto.original_url = sharedFileUrl(token, image.id, 'original')
  return dto
}

/**
 * A page of an album share's live photos, most recently added first (like the album itself). `before`
 * is the last id of the previous page and must be in the album, else 400 INVALID_CURSOR.
 */
async function albumPage(share: ShareRow & { albumId: number }, limit: number, before?: number): Promise<ImageRow[]> {
  const db = useDb()
  const where = [eq(albumImages.albumId, share.albumId), eq(images.userId, share.userId), isNull(images.deletedAt)]
  if (before !== undefined) {
    const [cursor] = await db.select({ addedAt: albumImages.addedAt }).from(albumImages)
      .where(and(eq(albumImages.albumId, share.albumId), eq(albumImages.imageId, before)))
    if (!cursor) throw apiError('INVALID_CURSOR')
    // `or` of defined conditions is defined.
    where.push(or(lt(albumImages.addedAt, cursor.addedAt), and(eq(albumImages.addedAt, cursor.addedAt), lt(albumImages.imageId, before)))!)
  }
  const rows = await db.select({ image: images }).from(albumImages)
    .innerJoin(images, eq(images.id, albumImages.imageId))
    .where(and(...where))
    .orderBy(desc(albumImages.addedAt), desc(albumImages.imageId))
    .limit(limit + 1)
  return rows.map(row => row.image)
}

/** What `GET /api/s/:token` answers for a live, unlocked share, and the next page's cursor. */
export async function viewShare(share: ShareRow, token: string, limit: number, before?: number): Promise<{ view: SharedViewDto, page: Page<SharedImageDto> }> {
  let title: string
  let rows: ImageRow[]
  if (share.albumId !== null) {
    const [album] = await useDb().select({ title: albums.title }).from(albums).where(eq(albums.id, share.albumId))
    if (!album) throw shareNotFound()
    title = album.title
    rows = await albumPage({ ...share, albumId: share.albumId }, limit, before)
  }
  else {
    const [image] = await useDb().select().from(images)
      .where(and(eq(images.id, share.imageId ?? 0), eq(images.userId, share.userId), isNull(images.deletedAt)))
    if (!image) throw shareNotFound()
    title = image.filename
    rows = before === undefined ? [image] : []
  }
  const page = toPage(rows, limit, row => toSharedImage(share, token, row))
  return {
    view: { kind: share.albumId !== null ? 'album' : 'image', title, expires_at: share.expiresAt.toISOString(), allow_download: share.allowDownload, images: page.items },
    page,
  }
}

/** The photo `imageId` when it is in the share and not in the trash, else 404 IMAGE_NOT_FOUND. */
export async function sharedImage(share: ShareRow, imageId: number): Promise<ImageRow> {
  const db = useDb()
  const live = and(eq(images.id, imageId), eq(images.userId, share.userId), isNull(images.deletedAt))
  const [row] = share.albumId !== null
    ? (await db.select({ image: images }).from(albumImages).innerJoin(images, eq(images.id, albumImages.imageId))
        .where(and(eq(albumImages.albumId, share.albumId), live))).map(r => r.image)
    : share.imageId === imageId ? await db.select().from(images).where(live) : []
  if (!row) throw apiError('IMAGE_NOT_FOUND')
  return row
}
