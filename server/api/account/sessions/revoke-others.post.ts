import type { RevokedResponse } from '../../../../shared/contracts/account'
import { revokeOtherSessions } from '../../../features/accounts/sessions'
import { requireUser } from '../../../features/auth/guard'

export default defineEventHandler(async (event): Promise<RevokedResponse> => {
  const user = await requireUser(event)
  return { count: await revokeOtherSessions(user) }
})
