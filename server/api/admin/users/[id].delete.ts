import { userIdParams } from '../../../../shared/contracts/accountParams'
import type { MessageResponse } from '../../../../shared/contracts/images'
import { deleteUserAndData } from '../../../features/accounts/remove'
import { requireAdmin } from '../../../features/auth/guard'
import { routerParams } from '../../../infra/http/validate'

export default defineEventHandler(async (event): Promise<MessageResponse> => {
  await requireAdmin(event)
  const { id } = routerParams(event, userIdParams, 'INVALID_USER_ID')
  await deleteUserAndData(id)
  return { message: '用户已删除' }
})
