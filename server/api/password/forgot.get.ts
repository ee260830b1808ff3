import type { ForgotAvailabilityDto } from '../../../shared/contracts/security'
import { mailEnabled } from '../../infra/mail'

/** Whether "forgot password" is on (the server sends mail): the sign-in page offers it only then. Public, like the page. */
export default defineEventHandler((): ForgotAvailabilityDto => ({ available: mailEnabled() }))
