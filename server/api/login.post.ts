import { loginSchema, type TokenResponse } from '../../shared/contracts/auth'
import { loginUser } from '../features/auth/accounts'
import { setAuthCookie } from '../features/auth/guard'
import { readJsonBody } from '../infra/http/body'
import { clientAddress } from '../infra/rateLimit'

export default defineEventHandler(async (event): Promise<TokenResponse> => {
  const { username, password } = await readJsonBody(event, loginSchema)
  const { token, sessionExpiresAt } = await loginUser(username, password, clientAddress(event))
  setAuthCookie(event, token, sessionExpiresAt)
  return { token, message: '登录成功' }
})
