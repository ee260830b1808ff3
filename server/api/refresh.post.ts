export default defineEventHandler(async (event) => {
  const user = await requireUser(event)
  const { token, exp } = await rotateSession(user)
  setAuthCookie(event, token, exp)
  return { token, message: 'token刷新成功' }
})
