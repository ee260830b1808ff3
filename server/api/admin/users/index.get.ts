import type { AdminUserDto } from '../../../../shared/contracts/account'
import { listUsers } from '../../../features/admin/users'
import { noStore, requireAdmin } from '../../../features/auth/guard'

export default defineEventHandler(async (event): Promise<AdminUserDto[]> => {
  noStore(event)
  await requireAdmin(event)
  return listUsers()
})
