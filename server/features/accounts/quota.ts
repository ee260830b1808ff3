import { eq, sql } from 'drizzle-orm'
import { tables, useDb } from '../../infra/db'
import { apiError, unauthorized } from '../../infra/http/errors'
import { readSettings, type Tx } from '../admin/settings'

type Db = ReturnType<typeof useDb>

export interface Usage { imageCount: number, bytesUsed: number }

/** What a user stores: every image, the trash included (trashed bytes count against the quota, SPEC §8). */
export async function usageOf(db: Db | Tx, userId: number): Promise<Usage> {
  const { images } = tables
  const [row] = await db.select({ n: sql<number>`COUNT(*)`, bytes: sql<string | number>`COALESCE(SUM(${images.size}), 0)` })
    .from(images).where(eq(images.userId, userId))
  return { imageCount: Number(row?.n ?? 0), bytesUsed: Number(row?.bytes ?? 0) }
}

/** The quota that applies: the user's own, else the settings' default; null = unlimited. */
export async function effectiveQuota(db: Db | Tx, ownQuota: number | null): Promise<number | null> {
  return ownQuota ?? (await readSettings(db)).default_quota_bytes
}

/**
 * 413 QUOTA_EXCEEDED unless `bytes` more fit in the user's quota. Atomic only when `db` is a
 * transaction holding the user's row lock (the upload's insert): parallel uploads then count one
 * after the other, each seeing the rows the ones before it committed.
 */
export async function assertQuotaRoom(userId: number, bytes: number, db: Db | Tx = useDb()): Promise<void> {
  const [user] = await db.select({ quotaBytes: tables.users.quotaBytes }).from(tables.users).where(eq(tables.users.id, userId))
  if (!user) throw unauthorized()
  const quota = await effectiveQuota(db, user.quotaBytes)
  // Unlimited (the default): no need to add up what the user stores.
  if (quota === null) return
  if ((await usageOf(db, userId)).bytesUsed + bytes > quota) throw apiError('QUOTA_EXCEEDED')
}
