// Sign-in and sign-up pages: someone already signed in goes straight to the gallery.
export default defineNuxtRouteMiddleware(async () => {
  const auth = useAuthStore()
  // When the API cannot say who we are, show the form anyway: signing in will tell.
  await auth.ensureLoaded().catch(() => null)
  if (auth.user) return navigateTo('/')
})
