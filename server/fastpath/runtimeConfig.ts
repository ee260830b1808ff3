import { defineNitroPlugin, useRuntimeConfig } from 'nitropack/runtime'

/**
 * Per-request work that page rendering needs and API calls do not, skipped for `/api/`:
 *
 * `useRuntimeConfig(event)` deep-copies the whole runtime config and re-reads the environment for
 * every key, per request. @nuxtjs/i18n calls it on every request, including API calls, where it was
 * two thirds of the server's CPU time (docs/PERFORMANCE.md, ../shared/TOOLCHAIN.md). API routes
 * never change the config, so they get the shared, frozen one.
 *
 * nuxt-security resolves its rules per request (a structuredClone of all its options and a radix
 * router) and makes a CSP nonce; for JSON and image responses neither is used (their security headers
 * come from the Nitro route rules nuxt-security writes at build time).
 *
 * Why internals: no supported option does this (checked on nitropack 2.13, @nuxtjs/i18n 10.6,
 * nuxt-security 2.6). i18n's `request` hook has no option to skip a path; a nuxt-security route rule
 * (`security: { enabled: false }`) still pays for resolving the rules it disables; Nitro route rules
 * do not reach plugins' hooks. Without this plugin GET /api/images serves about half the requests.
 * The two keys — `event.context.nitro.runtimeConfig` (Nitro's per-request config cache) and
 * `event.context.security.rules` (nuxt-security's per-request rules cache) — are pinned by
 * test/unit/fastpath.test.ts, which runs the installed sources and fails when an upgrade changes them.
 *
 * Registered before every other Nitro plugin (nuxt.config.ts), so its hook runs first.
 */
export default defineNitroPlugin((nitroApp) => {
  const shared = useRuntimeConfig()
  nitroApp.hooks.hook('request', (event) => {
    if (!event.path.startsWith('/api/')) return
    event.context.nitro.runtimeConfig = shared
    event.context.security = { rules: { enabled: false } }
  })
})
