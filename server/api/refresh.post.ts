import type { TokenResponse } from '../../shared/contracts/auth'
import { requireUser, setAuthCookie } from '../features/auth/guard'
import { rotateSession } from '../features/auth/sessions'

export default defineEventHandler(async (event): Promise<TokenResponse> => {
  // A browser's session cookie may be refreshed after its token expired, while the session is live.
  const user = await requireUser(event, { renewCookie: true })
  const { token, sessionExpiresAt } = await rotateSession(user)
  setAuthCookie(event, token, sessionExpiresAt)
  return { token, message: 'token刷新成功' }
})
