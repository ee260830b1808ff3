import { and, eq, isNull, ne } from 'drizzle-orm'
import { useBlobStore } from '../../infra/blob'
import { tables } from '../../infra/db'
import { apiError } from '../../infra/http/errors'
import { type Tx, withAccountsLock } from '../admin/settings'

/** Files deleted at once after a user's rows are gone. */
const FILE_DELETE_CONCURRENCY = 16

/**
 * 409 LAST_ADMIN unless an enabled admin other than `userId` exists. Called under the accounts lock
 * (withAccountsLock) before anything that takes away `userId`'s enabled admin role, so two admins
 * demoting each other at once can never leave none.
 */
export async function assertAnotherAdmin(tx: Tx, userId: number): Promise<void> {
  const { users } = tables
  const [other] = await tx.select({ id: users.id }).from(users)
    .where(and(eq(users.role, 'admin'), isNull(users.disabledAt), ne(users.id, userId))).limit(1)
  if (!other) throw apiError('LAST_ADMIN')
}

/**
 * Deletes a user with everything they own (SPEC §10): the user row goes in one transaction, and with it
 * (foreign keys, ON DELETE CASCADE) every image row, album, album link, share, session, token and
 * recovery code; then every stored file of theirs. 404 USER_NOT_FOUND when there is no such user,
 * 409 LAST_ADMIN for the last enabled admin.
 *
 * An upload in flight cannot leave anything behind: its insert locks the user row first, so it either
 * committed before this transaction (its row is deleted here, its files below) or finds no user after
 * it and removes the files it stored itself. Files are removed by the rows' keys and then by sweeping
 * the user's key prefix (`<id>/`), which also takes variants and files of an upload caught between
 * storing and inserting.
 */
export async function deleteUserAndData(userId: number): Promise<void> {
  const { users, images } = tables
  const keys = await withAccountsLock(async (tx) => {
    const [user] = await tx.select({ role: users.role, disabledAt: users.disabledAt }).from(users).where(eq(users.id, userId)).for('update')
    if (!user) throw apiError('USER_NOT_FOUND')
    if (user.role === 'admin' && !user.disabledAt) await assertAnotherAdmin(tx, userId)
    const rows = await tx.select({ file: images.filepath, thumb: images.thumbpath }).from(images).where(eq(images.userId, userId))
    await tx.delete(users).where(eq(users.id, userId))
    return rows.flatMap(row => [row.file, row.thumb])
  })
  await deleteStoredFiles(userId, keys)
}

/**
 * Removes the deleted user's files. A failure is logged, not thrown: the account is gone, and a file
 * left without a row is removed by the consistency sweep after its grace period (SPEC §6).
 */
async function deleteStoredFiles(userId: number, keys: string[]): Promise<void> {
  const store = useBlobStore()
  const prefix = `${userId}/`
  const pending = new Set(keys)
  for await (const entry of store.list()) {
    if (entry.key.startsWith(prefix)) pending.add(entry.key)
  }
  const queue = [...pending]
  const worker = async () => {
    for (let key = queue.pop(); key !== undefined; key = queue.pop()) {
      await store.delete(key).catch((error: unknown) => {
        console.error(`[gallery] account deletion: could not delete ${key} (the storage sweep will): ${error instanceof Error ? error.message : error}`)
      })
    }
  }
  await Promise.all(Array.from({ length: Math.min(FILE_DELETE_CONCURRENCY, queue.length) }, worker))
}
