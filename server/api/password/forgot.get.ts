import type { ForgotAvailabilityDto } from '../../../shared/contracts/security'
import { noStore } from '../../features/auth/guard'
import { mailEnabled } from '../../infra/mail'

/** Whether "forgot password" is on (the server sends mail): the sign-in page offers it only then. Public, like the page. */
export default defineEventHandler(async (event): Promise<ForgotAvailabilityDto> => {
  noStore(event)
  return { available: mailEnabled() }
})
