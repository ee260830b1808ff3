// Builds the production server into the given folder (run in its own process by the global setup,
// so Nuxt's logger does not take over vitest's console).
import { buildNuxt, loadNuxt } from '@nuxt/kit'

const [rootDir, buildDir, outputDir] = process.argv.slice(2)
const nuxt = await loadNuxt({ cwd: rootDir, dev: false, overrides: { buildDir, nitro: { output: { dir: outputDir } } } })
await buildNuxt(nuxt)
await nuxt.close()
