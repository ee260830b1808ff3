import { and, eq, ne } from 'drizzle-orm'
import { tables, useDb } from '../../infra/db'
import { assertCurrentPassword } from '../auth/accounts'
import { hashPassword } from '../auth/passwords'
import { noticePasswordChanged } from '../mail/notices'
import type { SessionUser } from '../auth/sessions'

/**
 * Sets a new password after checking the current one (403 WRONG_PASSWORD), and ends every other
 * session of the user in the same transaction: a device signed in with the old password is out at once.
 */
export async function changePassword(user: Pick<SessionUser, 'id' | 'username' | 'sessionId'>, current: string, next: string, address: string): Promise<void> {
  await assertCurrentPassword(user, current, address)
  const hash = await hashPassword(next)
  const { users, sessions } = tables
  await useDb().transaction(async (tx) => {
    await tx.update(users).set({ password: hash }).where(eq(users.id, user.id))
    await tx.delete(sessions).where(and(eq(sessions.userId, user.id), ne(sessions.id, user.sessionId)))
  })
  noticePasswordChanged(user.id)
}
