import { twoFactorEnableBody, type RecoveryCodesDto } from '../../../../shared/contracts/security'
import { noStore, requireUser } from '../../../features/auth/guard'
import { enableTwoFactor } from '../../../features/twofactor/manage'
import { readJsonBody } from '../../../infra/http/body'

export default defineEventHandler(async (event): Promise<RecoveryCodesDto> => {
  noStore(event)
  const user = await requireUser(event)
  const { code } = await readJsonBody(event, twoFactorEnableBody)
  return { recovery_codes: await enableTwoFactor(user.id, code) }
})
