import { emailBody } from '../../../../shared/contracts/security'
import type { MessageResponse } from '../../../../shared/contracts/images'
import { requireUser } from '../../../features/auth/guard'
import { requestEmailVerification } from '../../../features/mail/address'
import { readJsonBody } from '../../../infra/http/body'

export default defineEventHandler(async (event): Promise<MessageResponse> => {
  const user = await requireUser(event)
  const { email } = await readJsonBody(event, emailBody)
  await requestEmailVerification(user, email)
  setResponseStatus(event, 202)
  return { message: '验证邮件已发送' }
})
