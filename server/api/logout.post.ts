import type { MessageResponse } from '../../shared/contracts/images'
import { clearAuthCookie, requireUser } from '../features/auth/guard'
import { revokeSession } from '../features/auth/sessions'

export default defineEventHandler(async (event): Promise<MessageResponse> => {
  const user = await requireUser(event)
  await revokeSession(user.sessionId)
  clearAuthCookie(event)
  return { message: '登出成功' }
})
