import type { TwoFactorSetupDto } from '../../../../shared/contracts/security'
import { noStore, requireUser } from '../../../features/auth/guard'
import { setupTwoFactor } from '../../../features/twofactor/manage'

export default defineEventHandler(async (event): Promise<TwoFactorSetupDto> => {
  noStore(event)
  const user = await requireUser(event)
  return setupTwoFactor(user)
})
