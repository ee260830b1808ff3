import { and, eq, inArray, sql } from 'drizzle-orm'
import type { BatchAction } from '../../../shared/contracts/images'
import { tables } from '../../infra/db'
import { withOwnedImages } from '../auth/authorize'
import type { SessionUser } from '../auth/sessions'
import { endImageShares } from '../shares/manage'

const { images } = tables

const CHANGES = {
  trash: { deletedAt: sql`CURRENT_TIMESTAMP(3)` },
  favorite: { favorite: true },
  unfavorite: { favorite: false },
} as const satisfies Record<BatchAction, Partial<Record<keyof typeof images.$inferInsert, unknown>>>

/**
 * `POST /api/images/batch`: one action on up to 500 of the caller's live images, all or nothing
 * (any id that is not the caller's live image: 404 and nothing changes). Answers how many images the
 * action applied to (every id named: favouriting a favourite still counts, so retries answer alike).
 */
export function batchImages(user: Pick<SessionUser, 'id'>, action: BatchAction, ids: number[]): Promise<number> {
  return withOwnedImages(user, ids, 'live', async (tx, rows) => {
    await tx.update(images).set(CHANGES[action]).where(and(eq(images.userId, user.id), inArray(images.id, ids)))
    // Trashed photos' share links end with them, in the same transaction (SPEC §9).
    if (action === 'trash') await endImageShares(tx, ids)
    return rows.length
  })
}
