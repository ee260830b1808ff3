import { defineNitroPlugin, useRuntimeConfig } from 'nitropack/runtime'

/**
 * Per-request work that page rendering needs and API calls do not, skipped for `/api/`:
 *
 * `useRuntimeConfig(event)` deep-copies the whole runtime config and re-reads the environment for
 * every key, per request. @nuxtjs/i18n calls it on every request, including API calls, where it was a
 * quarter of the server's CPU time (profile in docs/PERFORMANCE.md). API routes never change the config,
 * so they get the shared, frozen one.
 *
 * nuxt-security resolves its rules per request (a structuredClone of all its options) and makes a CSP
 * nonce; for JSON and image responses neither is used (their headers come from Nitro route rules).
 *
 * Registered before every other Nitro plugin (nuxt.config.ts).
 */
export default defineNitroPlugin((nitroApp) => {
  const shared = useRuntimeConfig()
  nitroApp.hooks.hook('request', (event) => {
    if (!event.path.startsWith('/api/')) return
    event.context.nitro.runtimeConfig = shared
    event.context.security = { rules: { enabled: false } }
  })
})
