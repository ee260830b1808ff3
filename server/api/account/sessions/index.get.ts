import type { SessionDto } from '../../../../shared/contracts/account'
import { listSessions } from '../../../features/accounts/sessions'
import { noStore, requireUser } from '../../../features/auth/guard'

export default defineEventHandler(async (event): Promise<SessionDto[]> => {
  noStore(event)
  const user = await requireUser(event)
  return listSessions(user)
})
