// Pages that need a signed-in user. On the server this runs with the request's cookie, so a signed-out
// visitor gets a redirect before any HTML is rendered.
export default defineNuxtRouteMiddleware(async (to) => {
  const auth = useAuthStore()
  try {
    await auth.ensureLoaded()
  }
  catch (error) {
    const failure = toApiFailure(error)
    return abortNavigation(createError({ statusCode: failure.status || 503, statusMessage: failure.code, message: failure.message, fatal: true }))
  }
  if (!auth.user) return navigateTo(to.fullPath === '/' ? '/login' : { path: '/login', query: { redirect: to.fullPath } })
})
