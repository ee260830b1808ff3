import { fileURLToPath } from 'node:url'

// Root-level layout (pages/, server/, stores/ …) as the design card asks: no app/ folder.
export default defineNuxtConfig({
  compatibilityDate: '2026-11-01',
  srcDir: '.',
  devtools: { enabled: false },
  modules: ['@pinia/nuxt', '@nuxtjs/i18n'],
  css: ['~/assets/main.css'],
  app: {
    head: {
      htmlAttrs: { lang: 'zh-CN' },
      title: 'Gallery',
      meta: [
        { name: 'viewport', content: 'width=device-width, initial-scale=1' },
        { name: 'color-scheme', content: 'light dark' },
        { name: 'description', content: 'Your private image gallery' },
      ],
      link: [{ rel: 'icon', type: 'image/svg+xml', href: '/favicon.svg' }],
    },
  },
  i18n: {
    defaultLocale: 'zh',
    strategy: 'no_prefix',
    locales: [
      { code: 'zh', language: 'zh-CN', name: '中文', file: 'zh.json' },
      { code: 'en', language: 'en-US', name: 'English', file: 'en.json' },
    ],
    detectBrowserLanguage: { useCookie: true, cookieKey: 'gallery_lang', redirectOn: 'root', fallbackLocale: 'zh' },
  },
  typescript: { strict: true },
  nitro: {
    // Migration SQL is bundled into the server build so `.output` is self-contained.
    serverAssets: [{ baseName: 'migrations', dir: fileURLToPath(new URL('./server/database/migrations', import.meta.url)) }],
  },
  hooks: {
    // Our JSON error handler runs first for /api routes; Nuxt's own (HTML error page) handles the rest.
    'nitro:config'(config) {
      const ours = fileURLToPath(new URL('./server/error.ts', import.meta.url))
      config.errorHandler = [ours, ...[config.errorHandler ?? []].flat()]
    },
  },
})
