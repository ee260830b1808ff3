import type { MeDto } from '../../shared/contracts/auth'
import { accountStatus } from '../features/accounts/status'
import { noStore, requireUser } from '../features/auth/guard'
import { mailEnabled } from '../infra/mail'

export default defineEventHandler(async (event): Promise<MeDto> => {
  noStore(event)
  const user = await requireUser(event)
  const status = await accountStatus(user.id)
  return {
    id: user.id,
    username: user.username,
    created_at: user.createdAt.toISOString(),
    token_expires_at: new Date(event.context.tokenExp * 1000).toISOString(),
    role: user.role,
    bytes_used: status.bytesUsed,
    quota_bytes: status.quotaBytes,
    image_count: status.imageCount,
    two_factor: status.twoFactor,
    recovery_codes_left: status.recoveryCodesLeft,
    email: status.email,
    email_available: mailEnabled(),
  }
})
