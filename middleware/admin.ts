// The admin console: signed-in admins only (the API refuses everyone else with 403 anyway).
export default defineNuxtRouteMiddleware(async (to) => {
  const auth = useAuthStore()
  try {
    await auth.ensureLoaded()
  }
  catch (error) {
    const failure = toApiFailure(error)
    return abortNavigation(createError({ statusCode: failure.status || 503, statusMessage: failure.code, message: failure.message, fatal: true }))
  }
  if (!auth.user) return navigateTo({ path: '/login', query: { redirect: to.fullPath } })
  if (auth.user.role !== 'admin') return abortNavigation(createError({ statusCode: 403, statusMessage: 'FORBIDDEN', fatal: true }))
})
