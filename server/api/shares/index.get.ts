import type { ShareDto } from '../../../shared/contracts/shares'
import { requireUser } from '../../features/auth/guard'
import { listShares } from '../../features/shares/manage'

export default defineEventHandler(async (event): Promise<ShareDto[]> => {
  const user = await requireUser(event)
  setResponseHeader(event, 'Cache-Control', 'no-store')
  return listShares(user.id)
})
