import { assertCurrentPassword } from '../auth/accounts'
import type { SessionUser } from '../auth/sessions'
import { deleteUserAndData } from './remove'

/** `DELETE /api/account`: the caller's own password first (403 WRONG_PASSWORD), then everything goes (remove.ts). */
export async function deleteOwnAccount(user: Pick<SessionUser, 'id' | 'username'>, password: string, address: string): Promise<void> {
  await assertCurrentPassword(user, password, address)
  await deleteUserAndData(user.id)
}
