import { spawnSync } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

// server/fastpath/runtimeConfig.ts keeps API requests out of @nuxtjs/i18n's and nuxt-security's
// per-request work by setting two keys that are internal to Nitro and nuxt-security (no public option
// does this: see the plugin's comment). These tests read and run the installed sources the plugin
// relies on, so that an upgrade which changes them fails here, loudly, instead of silently making
// every API request several times slower — or, worse, skipping a security step the plugin thought idle.

const ROOT = resolve(import.meta.dirname, '../..')
const NODE_MODULES = join(ROOT, 'node_modules')
const NITRO_CONFIG = join(NODE_MODULES, 'nitropack/dist/runtime/internal/config.mjs')
const NITRO_APP = join(NODE_MODULES, 'nitropack/dist/runtime/internal/app.mjs')
const SECURITY_RUNTIME = join(NODE_MODULES, 'nuxt-security/dist/runtime')
const SECURITY_CONTEXT = join(SECURITY_RUNTIME, 'nitro/context/index.js')
const SECURITY_MERGE = join(NODE_MODULES, 'nuxt-security/dist/utils/merge.mjs')
const I18N_SERVER = join(NODE_MODULES, '@nuxtjs/i18n/dist/runtime/server')

const version = async (pkg: string) => JSON.parse(await readFile(join(NODE_MODULES, pkg, 'package.json'), 'utf8')).version as string
const UPGRADE_HINT = 'An upgrade changed what server/fastpath/runtimeConfig.ts relies on: re-read the installed source, '
  + 'then fix the plugin (or drop it if a supported option now exists) and this test'

/** Replaces `from` in `text`, failing when it is not there (the source changed shape). */
function rewrite(text: string, from: string, to: string, file: string): string {
  expect(text.includes(from), `${UPGRADE_HINT}: ${file} no longer contains ${from}`).toBe(true)
  return text.replace(from, to)
}

const scratch = await mkdtemp(join(tmpdir(), 'gallery-fastpath-'))
afterAll(() => rm(scratch, { recursive: true, force: true }))

/**
 * Runs `script` in a plain Node process (an ES module) with `modules` written next to it, and returns
 * what it printed as JSON. Plain Node rather than vitest's module runner: the installed files are run
 * as the production server runs them.
 */
async function runInNode(modules: Record<string, string>, script: string): Promise<unknown> {
  for (const [name, text] of Object.entries(modules)) await writeFile(join(scratch, name), text)
  const main = join(scratch, `main-${Math.random().toString(36).slice(2)}.mjs`)
  await writeFile(main, script)
  const result = spawnSync(process.execPath, [main], { encoding: 'utf8', cwd: scratch })
  expect(result.status, `node ${main} failed:\n${result.stderr}`).toBe(0)
  return JSON.parse(result.stdout)
}

describe('Nitro: event.context.nitro.runtimeConfig is what useRuntimeConfig(event) returns', async () => {
  const nitroVersion = await version('nitropack')

  /** Nitro's config module, runnable outside a build: its virtual import and build-time constant stubbed. */
  async function nitroConfigModule(): Promise<string> {
    let text = await readFile(NITRO_CONFIG, 'utf8')
    const requireFromNitro = createRequire(NITRO_CONFIG)
    text = rewrite(text, '"klona"', JSON.stringify(pathToFileURL(requireFromNitro.resolve('klona')).href), NITRO_CONFIG)
    text = rewrite(text, '"#nitro-internal-virtual/app-config"', JSON.stringify('data:text/javascript,export const appConfig = {}'), NITRO_CONFIG)
    text = rewrite(text, '"./utils.env.mjs"', JSON.stringify(pathToFileURL(join(NITRO_CONFIG, '../utils.env.mjs')).href), NITRO_CONFIG)
    // Replaced by the inlined runtime config at build time.
    return rewrite(text, 'process.env.RUNTIME_CONFIG', JSON.stringify({ app: { baseURL: '/' }, nitro: {}, public: { i18n: { defaultLocale: 'zh' } } }), NITRO_CONFIG)
  }

  it(`returns the object set there instead of rebuilding one (nitropack ${nitroVersion})`, async () => {
    const outcome = await runInNode({ 'nitro-config.mjs': await nitroConfigModule() }, `
      import { useRuntimeConfig } from './nitro-config.mjs'
      const shared = useRuntimeConfig()
      const preset = { context: { nitro: { runtimeConfig: shared } } }
      const fresh = { context: { nitro: {} } }
      const built = useRuntimeConfig(fresh)
      console.log(JSON.stringify({
        presetReturned: useRuntimeConfig(preset) === shared,
        sharedFrozen: Object.isFrozen(shared) && Object.isFrozen(shared.public) && Object.isFrozen(shared.public.i18n),
        // Without the key, a new copy per request, cached under that same key.
        freshIsCopy: built !== shared,
        freshCached: fresh.context.nitro.runtimeConfig === built,
        sameContent: JSON.stringify(built) === JSON.stringify(shared),
      }))
    `)
    expect(outcome, UPGRADE_HINT).toEqual({ presetReturned: true, sharedFrozen: true, freshIsCopy: true, freshCached: true, sameContent: true })
  })

  it('creates event.context.nitro before the request hooks run (the plugin writes into it there)', async () => {
    const text = await readFile(NITRO_APP, 'utf8')
    const created = text.indexOf('event.context.nitro = event.context.nitro || {')
    const hooks = text.indexOf('callHook("request", event)')
    expect(created, `${UPGRADE_HINT}: ${NITRO_APP} no longer creates event.context.nitro`).toBeGreaterThan(-1)
    expect(hooks, `${UPGRADE_HINT}: ${NITRO_APP} no longer calls the request hook`).toBeGreaterThan(created)
  })
})

describe('nuxt-security: event.context.security.rules decides what it does for a request', async () => {
  const securityVersion = await version('nuxt-security')

  it(`returns the rules set there instead of resolving its options (nuxt-security ${securityVersion})`, async () => {
    let text = await readFile(SECURITY_CONTEXT, 'utf8')
    text = rewrite(text, '"../../../utils/merge"', JSON.stringify(pathToFileURL(SECURITY_MERGE).href), SECURITY_CONTEXT)
    text = rewrite(text, '"radix3"', JSON.stringify(pathToFileURL(createRequire(SECURITY_CONTEXT).resolve('radix3')).href), SECURITY_CONTEXT)
    const outcome = await runInNode({ 'security-context.mjs': text }, `
      import { getAppSecurityOptions, resolveSecurityRules } from './security-context.mjs'
      getAppSecurityOptions()['/**'] = { enabled: true, nonce: true, headers: { contentSecurityPolicy: { 'default-src': ["'self'"] } } }
      const preset = { rules: { enabled: false } }
      const skipped = { path: '/api/images', context: { security: preset } }
      const page = { path: '/', context: {} }
      const resolved = resolveSecurityRules(page)
      console.log(JSON.stringify({
        presetReturned: resolveSecurityRules(skipped) === preset.rules,
        // Without the key, the options are resolved per request and cached under that same key.
        resolvedEnabled: resolved.enabled === true && resolved.nonce === true,
        resolvedCached: page.context.security.rules === resolved,
      }))
    `)
    expect(outcome, UPGRADE_HINT).toEqual({ presetReturned: true, resolvedEnabled: true, resolvedCached: true })
  })

  it('checks rules.enabled at every place that reads the rules, so `{ enabled: false }` turns each one off', async () => {
    const files = (await readdir(SECURITY_RUNTIME, { recursive: true })).filter(f => f.endsWith('.js')).map(f => join(SECURITY_RUNTIME, f))
    const unguarded: string[] = []
    let readers = 0
    for (const file of files) {
      const lines = (await readFile(file, 'utf8')).split('\n')
      lines.forEach((line, i) => {
        if (!/=\s*resolveSecurityRules\(/.test(line)) return
        readers++
        // The rules are tested right after they are read (rateLimiter resolves its route name in between).
        const next = lines.slice(i + 1, i + 4).join('\n')
        if (!/(?:rules\.enabled\s*&&|!rules\.enabled\b)/.test(next)) unguarded.push(`${file}:${i + 1}`)
      })
    }
    expect(readers, `${UPGRADE_HINT}: no reader of resolveSecurityRules found`).toBeGreaterThan(5)
    expect(unguarded, `${UPGRADE_HINT}: these places act on the rules without checking rules.enabled`).toEqual([])
  })
})

describe('@nuxtjs/i18n: the reason for the first half of the plugin', async () => {
  const i18nVersion = await version('@nuxtjs/i18n')

  // When i18n stops asking for the per-request config on every request, the runtimeConfig half of the
  // plugin is dead code: this fails so that it gets removed.
  it(`still reads useRuntimeConfig(event) on every request (@nuxtjs/i18n ${i18nVersion})`, async () => {
    const plugin = await readFile(join(I18N_SERVER, 'plugin.js'), 'utf8')
    const context = await readFile(join(I18N_SERVER, 'context.js'), 'utf8')
    const utils = await readFile(join(I18N_SERVER, '../shared/utils.js'), 'utf8')
    expect(plugin).toMatch(/hooks\.hook\("request", async \(event\) => \{\s*await initializeI18nContext\(event\)/)
    expect(context).toMatch(/export async function initializeI18nContext\(event\) \{\s*const runtimeI18n = useRuntimeI18n\(void 0, event\)/)
    expect(utils).toMatch(/getRuntimeConfig\(event\)\.public\.i18n/)
  })
})
