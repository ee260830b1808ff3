import { resetBody } from '../../../shared/contracts/security'
import type { MessageResponse } from '../../../shared/contracts/images'
import { resetPassword } from '../../features/mail/reset'
import { readJsonBody } from '../../infra/http/body'

export default defineEventHandler(async (event): Promise<MessageResponse> => {
  const { token, new_password } = await readJsonBody(event, resetBody)
  await resetPassword(token, new_password)
  return { message: '密码已重置，请重新登录' }
})
