import { userIdParams } from '../../../../../shared/contracts/accountParams'
import type { ResetLinkDto } from '../../../../../shared/contracts/security'
import { noStore, requireAdmin } from '../../../../features/auth/guard'
import { adminResetLink } from '../../../../features/mail/reset'
import { routerParams } from '../../../../infra/http/validate'

export default defineEventHandler(async (event): Promise<ResetLinkDto> => {
  noStore(event)
  await requireAdmin(event)
  const { id } = routerParams(event, userIdParams, 'INVALID_USER_ID')
  setResponseStatus(event, 201)
  return adminResetLink(id)
})
