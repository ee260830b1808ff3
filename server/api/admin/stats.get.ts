import type { AdminStatsDto } from '../../../shared/contracts/account'
import { instanceStats } from '../../features/admin/stats'
import { noStore, requireAdmin } from '../../features/auth/guard'

export default defineEventHandler(async (event): Promise<AdminStatsDto> => {
  noStore(event)
  await requireAdmin(event)
  return instanceStats()
})
