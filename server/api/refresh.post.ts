export default defineEventHandler(async (event) => {
  // A browser's session cookie may be refreshed after its token expired, while the session is live.
  const user = await requireUser(event, { renewCookie: true })
  const { token, sessionExpiresAt } = await rotateSession(user)
  setAuthCookie(event, token, sessionExpiresAt)
  return { token, message: 'token刷新成功' }
})
