import { loginSchema, type TokenResponse } from '../../shared/contracts/auth'
import { loginUser } from '../features/auth/accounts'
import { noStore, setAuthCookie } from '../features/auth/guard'
import { readJsonBody } from '../infra/http/body'
import { clientAddress } from '../infra/rateLimit'

export default defineEventHandler(async (event): Promise<TokenResponse> => {
  noStore(event)
  const { username, password, totp, recovery_code } = await readJsonBody(event, loginSchema)
  const tokens = await loginUser(username, password, clientAddress(event), getHeader(event, 'user-agent'), { totp, recoveryCode: recovery_code })
  setAuthCookie(event, tokens)
  return { token: tokens.token, message: '登录成功' }
})
