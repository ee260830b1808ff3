import { timingSafeEqual } from 'node:crypto'
import type { H3Event } from 'h3'
import { getCookie, setCookie } from 'h3'
import { and, eq, isNull, sql } from 'drizzle-orm'
import type { ShareUnlockResponse } from '../../../shared/contracts/shares'
import { useConfig } from '../../infra/config'
import { signValue } from '../../infra/crypto'
import { tables, useDb } from '../../infra/db'
import type { ShareRow } from '../../infra/db/schema'
import { apiError } from '../../infra/http/errors'
import { addressBucket } from '../../infra/http/clientAddress'
import { clientAddress, consume, Limit } from '../../infra/rateLimit'
import { verifyPassword } from '../auth/passwords'
import { shareNotFound } from './manage'
import { hashShareToken } from './tokens'

const { shares, images, users } = tables

/**
 * Unlock attempts (SPEC §9): 5 per share and client address per 15 minutes, 50 per share per hour.
 * Counted before the password is compared (infra/rateLimit.ts), so parallel guesses never all reach
 * bcrypt, and windows end: a back-off, never a permanent lock.
 */
const unlockPerAddress = new Limit('share-unlock-address', () => 5, 15 * 60)
const unlockPerShare = new Limit('share-unlock', () => 50, 60 * 60)

/**
 * The live share behind a token, or the error a stranger may see: 404 SHARE_NOT_FOUND for an unknown
 * or ended link (revoked, its photo trashed, its album deleted), 410 SHARE_EXPIRED past its expiry.
 * The owner is never named in any of these.
 */
export async function openShare(token: string): Promise<ShareRow> {
  const [found] = await useDb().select({ share: shares, imageDeletedAt: images.deletedAt, ownerDisabledAt: users.disabledAt })
    .from(shares)
    .innerJoin(users, eq(users.id, shares.userId))
    .leftJoin(images, eq(images.id, shares.imageId))
    .where(eq(shares.tokenHash, hashShareToken(token)))
  // A disabled account's links answer like unknown ones while it is disabled (SPEC §10).
  if (!found || found.share.endedAt || found.ownerDisabledAt) throw shareNotFound()
  // A photo trashed by a path that did not end its links yet still ends the link here, for good.
  if (found.share.imageId !== null && found.imageDeletedAt) {
    await useDb().update(shares).set({ endedAt: sql`CURRENT_TIMESTAMP(3)` }).where(and(eq(shares.id, found.share.id), isNull(shares.endedAt)))
    throw shareNotFound()
  }
  if (found.share.expiresAt.getTime() <= Date.now()) throw apiError('SHARE_EXPIRED')
  return found.share
}

/** The cookie that proves this browser gave this share's password (one per share, named by its id). */
const cookieName = (share: ShareRow) => `${useConfig().publicOrigin.startsWith('https:') ? '__Host-' : ''}gallery_share_${share.id}`

/** Bound to the share and its password: useless for another share, or after the password changed. */
const cookieValue = (share: ShareRow) => signValue('share-unlock', `${share.id}.${share.tokenHash}.${share.passwordHash ?? ''}`)

function hasUnlocked(event: H3Event, share: ShareRow): boolean {
  const given = getCookie(event, cookieName(share))
  if (!given) return false
  const expected = Buffer.from(cookieValue(share))
  const actual = Buffer.from(given)
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

/** The live share, and for a password-protected one only with its cookie (else 401 SHARE_PASSWORD_REQUIRED). */
export async function openUnlockedShare(event: H3Event, token: string): Promise<ShareRow> {
  const share = await openShare(token)
  if (share.passwordHash !== null && !hasUnlocked(event, share)) throw apiError('SHARE_PASSWORD_REQUIRED')
  return share
}

/**
 * `POST /api/s/:token/unlock`: counts the attempt against both limits first (429 with Retry-After
 * when either is used up, even for the right password), then compares; the right one sets the share's
 * cookie: HttpOnly, SameSite=Lax, Path=/ (sent with /s/<token> and /api/s/<token>…), gone when the
 * share expires.
 */
export async function unlockShare(event: H3Event, token: string, password: string): Promise<ShareUnlockResponse> {
  const share = await openShare(token)
  if (share.passwordHash === null) return { expires_at: share.expiresAt.toISOString() }
  const key = share.tokenHash.slice(0, 32)
  await consume(unlockPerAddress.charge(`${key}:${addressBucket(clientAddress(event))}`), unlockPerShare.charge(key))
  if (!await verifyPassword(password, share.passwordHash)) throw apiError('SHARE_PASSWORD_WRONG')
  const maxAge = Math.floor((share.expiresAt.getTime() - Date.now()) / 1000)
  if (maxAge <= 0) throw apiError('SHARE_EXPIRED')
  setCookie(event, cookieName(share), cookieValue(share), {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: useConfig().publicOrigin.startsWith('https:'),
    maxAge,
    expires: share.expiresAt,
  })
  return { expires_at: share.expiresAt.toISOString() }
}

/** Counts a view of the share (a first page of `GET /api/s/:token`, not each file). */
export async function countView(share: ShareRow): Promise<void> {
  await useDb().update(shares).set({ viewCount: sql`${shares.viewCount} + 1`, lastViewedAt: sql`CURRENT_TIMESTAMP(3)` }).where(eq(shares.id, share.id))
}
