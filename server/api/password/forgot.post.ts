import { forgotBody } from '../../../shared/contracts/security'
import type { MessageResponse } from '../../../shared/contracts/images'
import { forgotPassword } from '../../features/mail/reset'
import { readJsonBody } from '../../infra/http/body'
import { clientAddress } from '../../infra/rateLimit'

export default defineEventHandler(async (event): Promise<MessageResponse> => {
  const body = await readJsonBody(event, forgotBody)
  await forgotPassword(body, clientAddress(event))
  setResponseStatus(event, 202)
  return { message: '如果该账户存在并已验证邮箱，重置链接已发送' }
})
