import { asc, eq, sql } from 'drizzle-orm'
import type { AdminUserDto, Role } from '../../../shared/contracts/account'
import { tables, useDb } from '../../infra/db'
import { apiError } from '../../infra/http/errors'
import { assertAnotherAdmin } from '../accounts/remove'
import { type Tx, withAccountsLock } from './settings'

const { users, images, sessions } = tables

// Admins see accounts as counts and sizes: nothing here selects a file name, path or image id.
function selectUsers(db: ReturnType<typeof useDb> | Tx) {
  return db.select({
    id: users.id,
    username: users.username,
    role: users.role,
    createdAt: users.createdAt,
    quotaBytes: users.quotaBytes,
    disabledAt: users.disabledAt,
    imageCount: sql<number>`COUNT(${images.id})`,
    bytesUsed: sql<string | number>`COALESCE(SUM(${images.size}), 0)`,
  })
    .from(users)
    .leftJoin(images, eq(images.userId, users.id))
    .groupBy(users.id)
}

type UserSummary = Awaited<ReturnType<ReturnType<typeof selectUsers>['execute']>>[number]

const toDto = (row: UserSummary): AdminUserDto => ({
  id: row.id,
  username: row.username,
  role: row.role as Role,
  created_at: row.createdAt.toISOString(),
  image_count: Number(row.imageCount),
  bytes_used: Number(row.bytesUsed),
  quota_bytes: row.quotaBytes,
  disabled: row.disabledAt !== null,
})

/** Every account, oldest first, with its image count and stored bytes (the trash included). */
export async function listUsers(): Promise<AdminUserDto[]> {
  return (await selectUsers(useDb()).orderBy(asc(users.id))).map(toDto)
}

export interface UserPatch { role?: Role, disabled?: boolean, quota_bytes?: number | null }

/**
 * Changes a user's role, disabled state or own quota (SPEC §10), under the accounts lock: 404
 * USER_NOT_FOUND for an unknown id, 409 LAST_ADMIN when it would leave no enabled admin. Disabling
 * deletes every session of the user in the same transaction, so their next request is a 401.
 */
export async function patchUser(userId: number, patch: UserPatch): Promise<AdminUserDto> {
  return withAccountsLock(async (tx) => {
    const [user] = await tx.select({ role: users.role, disabledAt: users.disabledAt }).from(users).where(eq(users.id, userId)).for('update')
    if (!user) throw apiError('USER_NOT_FOUND')
    const enabledAdmin = user.role === 'admin' && !user.disabledAt
    const staysEnabledAdmin = (patch.role ?? user.role) === 'admin' && !(patch.disabled ?? user.disabledAt !== null)
    if (enabledAdmin && !staysEnabledAdmin) await assertAnotherAdmin(tx, userId)
    const set: Partial<typeof users.$inferInsert> = {}
    if (patch.role !== undefined) set.role = patch.role
    if (patch.quota_bytes !== undefined) set.quotaBytes = patch.quota_bytes
    if (patch.disabled !== undefined) set.disabledAt = patch.disabled ? (user.disabledAt ?? new Date()) : null
    if (Object.keys(set).length) await tx.update(users).set(set).where(eq(users.id, userId))
    if (patch.disabled) await tx.delete(sessions).where(eq(sessions.userId, userId))
    const [row] = await selectUsers(tx).where(eq(users.id, userId))
    // The row was locked above and is still there.
    return toDto(row!)
  })
}
