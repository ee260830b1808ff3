import type { InviteDto } from '../../../../shared/contracts/account'
import { inviteCreateBody } from '../../../../shared/contracts/accountParams'
import { createInvite } from '../../../features/admin/invites'
import { noStore, requireAdmin } from '../../../features/auth/guard'
import { readJsonBody } from '../../../infra/http/body'

export default defineEventHandler(async (event): Promise<InviteDto> => {
  noStore(event)
  const admin = await requireAdmin(event)
  // The body is optional: without one the link lives the default seven days.
  const { expires_in } = getHeader(event, 'content-type') ? await readJsonBody(event, inviteCreateBody) : inviteCreateBody.parse({})
  setResponseStatus(event, 201)
  return createInvite(admin.id, expires_in)
})
