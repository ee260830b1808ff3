import type { MessageResponse } from '../../../../shared/contracts/images'
import { requireUser } from '../../../features/auth/guard'
import { assertMailEnabled, removeEmail } from '../../../features/mail/address'

export default defineEventHandler(async (event): Promise<MessageResponse> => {
  const user = await requireUser(event)
  assertMailEnabled()
  await removeEmail(user.id)
  return { message: '邮箱已移除' }
})
