import type { MeDto } from '../../shared/contracts/auth'
import { noStore, requireUser } from '../features/auth/guard'

export default defineEventHandler(async (event): Promise<MeDto> => {
  noStore(event)
  const user = await requireUser(event)
  return {
    id: user.id,
    username: user.username,
    created_at: user.createdAt.toISOString(),
    token_expires_at: new Date(event.context.tokenExp * 1000).toISOString(),
  }
})
