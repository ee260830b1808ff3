import { twoFactorDisableBody } from '../../../../shared/contracts/security'
import type { MessageResponse } from '../../../../shared/contracts/images'
import { requireUser } from '../../../features/auth/guard'
import { disableTwoFactor } from '../../../features/twofactor/manage'
import { readJsonBody } from '../../../infra/http/body'
import { clientAddress } from '../../../infra/rateLimit'

export default defineEventHandler(async (event): Promise<MessageResponse> => {
  const user = await requireUser(event)
  const { password } = await readJsonBody(event, twoFactorDisableBody)
  await disableTwoFactor(user, password, clientAddress(event))
  return { message: '两步验证已关闭' }
})
