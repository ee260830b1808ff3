export default defineEventHandler(async (event) => {
  const user = await requireUser(event)
  await revokeSession(user.sessionId)
  clearAuthCookie(event)
  return { message: '登出成功' }
})
