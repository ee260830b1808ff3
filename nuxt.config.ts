import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * exiftool-vendored finds its perl exiftool with a computed `import()` of exiftool-vendored.pl, which
 * tracing cannot follow: the script and its Image::ExifTool library are listed here so that `.output`
 * carries them (GPS removal, server/features/images/exif.ts).
 */
function exiftoolFiles(): string[] {
  const root = fileURLToPath(new URL('./node_modules/exiftool-vendored.pl/', import.meta.url))
  const lib = readdirSync(join(root, 'bin/lib'), { recursive: true, withFileTypes: true })
    .filter(entry => entry.isFile())
    .map(entry => join(entry.parentPath, entry.name))
  return [join(root, 'index.js'), join(root, 'bin/exiftool'), ...lib]
}

// Root-level layout (pages/, server/, stores/ …) as the design card asks: no app/ folder.
export default defineNuxtConfig({
  modules: ['@pinia/nuxt', '@nuxtjs/i18n', 'nuxt-security', '@nuxt/eslint'],
  devtools: { enabled: false },
  app: {
    head: {
      // <html lang>, the title and the description follow the chosen language (app.vue).
      title: 'Gallery',
      meta: [
        { name: 'viewport', content: 'width=device-width, initial-scale=1' },
        { name: 'color-scheme', content: 'light dark' },
        { name: 'theme-color', content: '#f5f6f8', media: '(prefers-color-scheme: light)' },
        { name: 'theme-color', content: '#0e1116', media: '(prefers-color-scheme: dark)' },
      ],
      link: [{ rel: 'icon', type: 'image/svg+xml', href: '/favicon.svg' }],
    },
  },
  css: ['~/assets/main.css'],
  srcDir: '.',
  // Share links (SPEC §9): every answer under /s/ and /api/s/ — pages, JSON, files and errors — is
  // kept out of search engines, never sends the token-bearing address on as a Referer, and is not
  // cached (server/features/shares/headers.ts; server/error.ts keeps it for API errors).
  routeRules: {
    '/s/**': { headers: { 'X-Robots-Tag': 'noindex', 'Cache-Control': 'private, no-store' }, security: { headers: { referrerPolicy: 'no-referrer' } } },
    '/api/s/**': { headers: { 'X-Robots-Tag': 'noindex', 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'private, no-store' } },
  },
  compatibilityDate: '2026-11-01',
  nitro: {
    // Scripts and styles are served pre-compressed (gzip and brotli, made at build time).
    compressPublicAssets: { gzip: true, brotli: true },
    // drizzle-orm's package.json is 175 KB, and Node 24 re-reads it for each of the ~100 modules it
    // loads from the package: ~200 MB of heap at start-up. Bundled into the server it costs nothing.
    // The password worker threads load bcryptjs' CommonJS build, which tracing alone would not copy.
    externals: { inline: ['drizzle-orm'], traceInclude: [fileURLToPath(new URL('./node_modules/bcryptjs/umd/index.js', import.meta.url)), ...exiftoolFiles()] },
    // Migration SQL is bundled into the server build so `.output` is self-contained.
    serverAssets: [{ baseName: 'migrations', dir: fileURLToPath(new URL('./server/infra/db/migrations', import.meta.url)) }],
  },
  // Pre-bundled in development so the first visit of /register does not reload the page.
  vite: { optimizeDeps: { include: ['zod'] } },
  typescript: { strict: true },
  hooks: {
    // Our JSON error handler runs first for /api routes; Nuxt's own (HTML error page) handles the rest.
    'nitro:config'(config) {
      const ours = fileURLToPath(new URL('./server/error.ts', import.meta.url))
      config.errorHandler = [ours, ...[config.errorHandler ?? []].flat()]
      // Must run before the modules' plugins: see server/fastpath/runtimeConfig.ts.
      config.plugins = [fileURLToPath(new URL('./server/fastpath/runtimeConfig.ts', import.meta.url)), ...(config.plugins ?? [])]
    },
  },
  // Lint rules in code style: `npm run lint` (eslint.config.mjs builds on the config this generates).
  eslint: { config: { stylistic: true } },
  i18n: {
    defaultLocale: 'zh',
    strategy: 'no_prefix',
    locales: [
      { code: 'zh', language: 'zh-CN', name: '中文', file: 'zh.json' },
      { code: 'en', language: 'en-US', name: 'English', file: 'en.json' },
    ],
    detectBrowserLanguage: { useCookie: true, cookieKey: 'gallery_lang', redirectOn: 'root', fallbackLocale: 'zh' },
    // Only the composition API (`useI18n`, `$t`): no global <i18n-t>/<i18n-d>/<i18n-n> components or v-t.
    bundle: { fullInstall: false },
  },
  // Security headers and a nonce-based CSP for every page. Its request-size limiter (Content-Length
  // only), rate limiter, XSS validator and CORS handler are off: uploads are limited while streaming
  // (server/features/images/receive.ts), login and registration are rate-limited per user and address
  // (server/infra/rateLimit.ts), and the API is same-origin only.
  security: {
    nonce: true,
    removeLoggers: false,
    requestSizeLimiter: false,
    rateLimiter: false,
    xssValidator: false,
    corsHandler: false,
    allowedMethodsRestricter: false,
    headers: {
      crossOriginEmbedderPolicy: false,
      referrerPolicy: 'same-origin',
      xFrameOptions: 'DENY',
      // The viewer's fullscreen button works for our own pages (nuxt-security's default forbids it everywhere).
      permissionsPolicy: { 'fullscreen': ['self'], 'camera': [], 'display-capture': [], 'geolocation': [], 'microphone': [] },
      // HSTS only means something over HTTPS; set it at the TLS-terminating proxy (see README).
      strictTransportSecurity: false,
      contentSecurityPolicy: {
        'default-src': ['\'self\''],
        'base-uri': ['\'none\''],
        'connect-src': ['\'self\''],
        'font-src': ['\'self\''],
        'form-action': ['\'self\''],
        'frame-ancestors': ['\'none\''],
        'img-src': ['\'self\'', 'data:', 'blob:'],
        'object-src': ['\'none\''],
        'script-src': ['\'self\'', '\'strict-dynamic\'', '\'nonce-{{nonce}}\''],
        'script-src-attr': ['\'none\''],
        'style-src': ['\'self\'', '\'unsafe-inline\''],
        'upgrade-insecure-requests': false,
      },
    },
  },
})
