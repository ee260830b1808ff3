import type { MeDto } from '../../shared/contracts/auth'
import { quotaStatus } from '../features/accounts/quota'
import { noStore, requireUser } from '../features/auth/guard'
import { securityStatus } from '../features/twofactor/manage'
import { mailEnabled } from '../infra/mail'

export default defineEventHandler(async (event): Promise<MeDto> => {
  noStore(event)
  const user = await requireUser(event)
  const [{ imageCount, bytesUsed, quotaBytes }, security] = await Promise.all([quotaStatus(user.id), securityStatus(user.id)])
  return {
    id: user.id,
    username: user.username,
    created_at: user.createdAt.toISOString(),
    token_expires_at: new Date(event.context.tokenExp * 1000).toISOString(),
    role: user.role,
    bytes_used: bytesUsed,
    quota_bytes: quotaBytes,
    image_count: imageCount,
    two_factor: security.twoFactor,
    recovery_codes_left: security.recoveryCodesLeft,
    email: security.email,
    email_available: mailEnabled(),
  }
})
