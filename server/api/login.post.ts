import { loginSchema } from '#shared/credentials'

export default defineEventHandler(async (event) => {
  const { username, password } = await readJsonBody(event, loginSchema)
  const { token, sessionExpiresAt } = await loginUser(username, password, clientAddress(event))
  setAuthCookie(event, token, sessionExpiresAt)
  return { token, message: '登录成功' }
})
