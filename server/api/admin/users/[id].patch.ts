import type { AdminUserDto } from '../../../../shared/contracts/account'
import { adminUserPatchBody, userIdParams } from '../../../../shared/contracts/accountParams'
import { patchUser } from '../../../features/admin/users'
import { requireAdmin } from '../../../features/auth/guard'
import { readJsonBody } from '../../../infra/http/body'
import { routerParams } from '../../../infra/http/validate'

export default defineEventHandler(async (event): Promise<AdminUserDto> => {
  await requireAdmin(event)
  const { id } = routerParams(event, userIdParams, 'INVALID_USER_ID')
  const patch = await readJsonBody(event, adminUserPatchBody)
  return patchUser(id, patch)
})
