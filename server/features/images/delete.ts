import { and, eq, isNull, sql } from 'drizzle-orm'
import { tables, useDb } from '../../infra/db'
import type { ImageRow } from '../../infra/db/schema'
import { imageNotFound } from '../../infra/http/errors'
import { endImageShares } from '../shares/manage'

/**
 * Moves an image the caller owns (checked by `ownedLiveImage` in features/auth/authorize.ts) to the
 * trash: it leaves every list at once, its files stay (the trash page shows them, a restore brings it
 * back); the trash's purge or auto-empty deletes it for good (trash.ts). The UPDATE stays scoped by
 * owner and live state: of several parallel deletes of one image exactly one succeeds, the others 404.
 */
export async function deleteImage(image: ImageRow): Promise<void> {
  const { images } = tables
  const [result] = await useDb().update(images)
    .set({ deletedAt: sql`CURRENT_TIMESTAMP(3)` })
    .where(and(eq(images.id, image.id), eq(images.userId, image.userId), isNull(images.deletedAt)))
  if (result.affectedRows !== 1) throw imageNotFound()
  // Its share links end at once and for good (SPEC §9).
  await endImageShares(useDb(), [image.id])
}
