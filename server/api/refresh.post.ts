import type { TokenResponse } from '../../shared/contracts/auth'
import { noStore, requireUser, setAuthCookie } from '../features/auth/guard'
import { rotateSession } from '../features/auth/sessions'

export default defineEventHandler(async (event): Promise<TokenResponse> => {
  noStore(event)
  // A browser's own cookie token may be refreshed after it expired, while the session is live.
  const user = await requireUser(event, { renewCookie: true })
  const tokens = await rotateSession(user)
  setAuthCookie(event, tokens)
  return { token: tokens.token, message: 'token刷新成功' }
})
