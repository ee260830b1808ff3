import { emailVerifyBody, type EmailVerifiedDto } from '../../../../shared/contracts/security'
import { noStore, requireUser } from '../../../features/auth/guard'
import { verifyEmail } from '../../../features/mail/address'
import { readJsonBody } from '../../../infra/http/body'

export default defineEventHandler(async (event): Promise<EmailVerifiedDto> => {
  noStore(event)
  const user = await requireUser(event)
  const { token } = await readJsonBody(event, emailVerifyBody)
  return { message: '邮箱已验证', email: await verifyEmail(user.id, token) }
})
