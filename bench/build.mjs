// Builds the production server into bench/.tmp/build by default (its own build and output folders,
// so it never collides with `nuxt build` or the tests' build folders, and outside .nuxt, which
// `nuxt prepare` empties). Run in a child process by
// bench/run.mjs because Nuxt's logger takes over the console.
//   node bench/build.mjs [rootDir] [buildDir]      (output: <buildDir>/output)
// Another script that runs at the same time as `npm run bench` should pass a buildDir of its own.
import { resolve } from 'node:path'
import { buildNuxt, loadNuxt } from '@nuxt/kit'

const root = resolve(process.argv[2] ?? resolve(import.meta.dirname, '..'))
const buildDir = resolve(root, process.argv[3] ?? 'bench/.tmp/build')
const outputDir = resolve(buildDir, 'output')

const nuxt = await loadNuxt({ cwd: root, dev: false, overrides: { buildDir, nitro: { output: { dir: outputDir } } } })
await buildNuxt(nuxt)
await nuxt.close()
console.log(`[bench] server built into ${outputDir}`)
