import { sessionIdParams } from '../../../../shared/contracts/accountParams'
import type { MessageResponse } from '../../../../shared/contracts/images'
import { revokeOwnSession } from '../../../features/accounts/sessions'
import { requireUser } from '../../../features/auth/guard'
import { routerParams } from '../../../infra/http/validate'

export default defineEventHandler(async (event): Promise<MessageResponse> => {
  const user = await requireUser(event)
  const { id } = routerParams(event, sessionIdParams, 'INVALID_SESSION_ID')
  await revokeOwnSession(user, id)
  return { message: '会话已结束' }
})
