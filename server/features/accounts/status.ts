import { and, count, eq, isNull, sql } from 'drizzle-orm'
import { tables, useDb } from '../../infra/db'
import { unauthorized } from '../../infra/http/errors'
import { storedDefaultQuota } from '../admin/settings'

/** What /api/me tells about the account beyond the session's user (SPEC §10). */
export interface AccountStatus {
  /** Every stored image, the trash included (trashed bytes count against the quota, SPEC §8). */
  imageCount: number
  bytesUsed: number
  /** The user's own quota, else the settings' default; null = unlimited. */
  quotaBytes: number | null
  twoFactor: boolean
  recoveryCodesLeft: number
  /** The verified email address, if any. */
  email: string | null
}

// One round trip, prepared once: /api/me is asked on every page load and every token refresh.
// The subqueries are query builders, not column references in raw SQL: in a one-table select drizzle
// writes selected columns without their table, so `images.user_id = users.id` written by hand would
// come out as `user_id = id` and compare the image's own columns.
function prepareAccountStatusQuery() {
  const { users, images, recoveryCodes, settings } = tables
  const db = useDb()
  return db
    .select({
      ownQuota: users.quotaBytes,
      totpEnabledAt: users.totpEnabledAt,
      email: users.email,
      emailVerifiedAt: users.emailVerifiedAt,
      imageCount: sql<number | string>`${db.select({ n: count() }).from(images).where(eq(images.userId, users.id))}`,
      bytesUsed: sql<number | string>`${db.select({ bytes: sql`COALESCE(SUM(${images.size}), 0)` }).from(images).where(eq(images.userId, users.id))}`,
      codesLeft: sql<number | string>`${db.select({ n: count() }).from(recoveryCodes).where(and(eq(recoveryCodes.userId, users.id), isNull(recoveryCodes.usedAt)))}`,
      defaultQuota: sql<string | null>`${db.select({ value: settings.value }).from(settings).where(eq(settings.key, 'default_quota_bytes'))}`,
    })
    .from(users)
    .where(eq(users.id, sql.placeholder('userId')))
    .limit(1)
    .prepare()
}
let accountStatusQuery: ReturnType<typeof prepareAccountStatusQuery> | undefined

/** The user's usage, effective quota, two-factor and email state, in one query; 401 when the user is gone. */
export async function accountStatus(userId: number): Promise<AccountStatus> {
  accountStatusQuery ??= prepareAccountStatusQuery()
  const [row] = await accountStatusQuery.execute({ userId })
  if (!row) throw unauthorized()
  return {
    imageCount: Number(row.imageCount),
    bytesUsed: Number(row.bytesUsed),
    quotaBytes: row.ownQuota ?? storedDefaultQuota(row.defaultQuota),
    twoFactor: row.totpEnabledAt !== null,
    recoveryCodesLeft: Number(row.codesLeft),
    email: row.emailVerifiedAt ? row.email : null,
  }
}
