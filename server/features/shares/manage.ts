import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm'
import type { ShareCreatedDto, ShareCreateInput, ShareDto, ShareTarget } from '../../../shared/contracts/shares'
import { decryptSecret, encryptSecret } from '../../infra/crypto'
import { tables, useDb } from '../../infra/db'
import type { ShareRow } from '../../infra/db/schema'
import { apiError } from '../../infra/http/errors'
import { hashPassword } from '../auth/passwords'
import type { DbExecutor } from '../images/queries'
import { thumbnailUrl } from '../images/dto'
import { hashShareToken, newShareToken, shareUrl } from './tokens'

const { shares, albums, images } = tables

/** The owner's list shows this many links, newest first. */
const LIST_LIMIT = 1000

export const shareNotFound = () => apiError('SHARE_NOT_FOUND')

/** What the share points at (exactly one of album and image is set; a share whose album went is deleted with it). */
export function shareTarget(row: Pick<ShareRow, 'albumId' | 'imageId'>): ShareTarget {
  return row.albumId !== null ? { kind: 'album', id: row.albumId } : { kind: 'image', id: row.imageId ?? 0 }
}

/**
 * Makes a link to an album or image the caller owns (checked by the route through
 * features/auth/authorize.ts). Only the token's SHA-256 and its encrypted form are stored, and the
 * password's bcrypt hash; the token itself is answered once here and re-read by its owner only.
 */
export async function createShare(userId: number, target: ShareTarget, input: Pick<ShareCreateInput, 'expires_in' | 'password' | 'allow_download'>): Promise<ShareCreatedDto> {
  const token = newShareToken()
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password)
  const expiresAt = new Date(Date.now() + input.expires_in * 1000)
  const [{ id }] = await useDb().insert(shares).values({
    userId,
    albumId: target.kind === 'album' ? target.id : null,
    imageId: target.kind === 'image' ? target.id : null,
    tokenHash: hashShareToken(token),
    tokenEncrypted: encryptSecret(token),
    passwordHash,
    allowDownload: input.allow_download,
    expiresAt,
  }).$returningId() as [{ id: number }]
  return { id, url: shareUrl(token), token, expires_at: expiresAt.toISOString(), allow_download: input.allow_download, has_password: passwordHash !== null, target }
}

/** The owner's token again, or null when it cannot be read (SECRET_KEY changed since). */
function readToken(row: ShareRow): string | null {
  try { return decryptSecret(row.tokenEncrypted) }
  catch { return null }
}

export function shareStatus(row: Pick<ShareRow, 'endedAt' | 'expiresAt'>, now = Date.now()): ShareDto['status'] {
  if (row.endedAt) return 'ended'
  return row.expiresAt.getTime() <= now ? 'expired' : 'active'
}

/** The caller's links, newest first, with their view counts. */
export async function listShares(userId: number): Promise<ShareDto[]> {
  const rows = await useDb().select({ share: shares, albumTitle: albums.title, image: { id: images.id, sha256: images.sha256, filename: images.filename } })
    .from(shares)
    .leftJoin(albums, eq(albums.id, shares.albumId))
    .leftJoin(images, eq(images.id, shares.imageId))
    .where(eq(shares.userId, userId))
    .orderBy(desc(shares.createdAt), desc(shares.id))
    .limit(LIST_LIMIT)
  const now = Date.now()
  return rows.map(({ share, albumTitle, image }) => {
    const token = readToken(share)
    return {
      id: share.id,
      url: token === null ? '' : shareUrl(token),
      token: token ?? '',
      expires_at: share.expiresAt.toISOString(),
      allow_download: share.allowDownload,
      has_password: share.passwordHash !== null,
      target: shareTarget(share),
      title: albumTitle ?? image?.filename ?? null,
      thumbnail_url: image ? thumbnailUrl(image) : null,
      created_at: share.createdAt.toISOString(),
      view_count: share.viewCount,
      last_viewed_at: share.lastViewedAt?.toISOString() ?? null,
      status: shareStatus(share, now),
    }
  })
}

/** One of the user's links (any state), or 404 SHARE_NOT_FOUND — also when it is someone else's. */
export async function findShare(userId: number, id: number): Promise<ShareRow> {
  const [row] = await useDb().select().from(shares).where(and(eq(shares.id, id), eq(shares.userId, userId)))
  if (!row) throw shareNotFound()
  return row
}

/** Ends a link at once and for good (revoking an ended link again changes nothing). */
export async function revokeShare(share: ShareRow): Promise<void> {
  await useDb().update(shares).set({ endedAt: sql`CURRENT_TIMESTAMP(3)` }).where(and(eq(shares.id, share.id), isNull(shares.endedAt)))
}

/**
 * Ends every link to these images (they went to the trash: SPEC §9, for good — a restore does not
 * revive them). Called inside the transaction that trashes them, or right after a single delete.
 */
export async function endImageShares(executor: DbExecutor, imageIds: number[]): Promise<void> {
  if (!imageIds.length) return
  await executor.update(shares).set({ endedAt: sql`CURRENT_TIMESTAMP(3)` }).where(and(inArray(shares.imageId, imageIds), isNull(shares.endedAt)))
}
