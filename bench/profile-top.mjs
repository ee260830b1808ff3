// Summarises a V8 .cpuprofile (from `node bench/run.mjs --cpu-prof --only=<scenario>`):
// top functions by self time, by inclusive time, and self time by package / area.
//   node bench/profile-top.mjs bench/.tmp/profiles/list.cpuprofile [--top=25] [--skip-start=ms]
// --skip-start ignores the first N ms of the profile (server start-up) — default: the first
// stretch before the first sample inside an HTTP request is not skipped; pass it explicitly.
import { readFileSync } from 'node:fs'

const args = process.argv.slice(2)
const file = args.find(a => !a.startsWith('--'))
if (!file) {
  console.error('usage: node bench/profile-top.mjs <file.cpuprofile> [--top=25] [--skip-start=ms]')
  process.exit(2)
}
const opt = (name, fallback) => Number(args.find(a => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback)
const TOP = opt('top', 25)
const SKIP_MS = opt('skip-start', 0)

const profile = JSON.parse(readFileSync(file, 'utf8'))
const byId = new Map(profile.nodes.map(n => [n.id, n]))
const parent = new Map()
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)

const shortUrl = (url) => {
  if (!url) return ''
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) return url.slice(nm + 13)
  const out = url.indexOf('/server/')
  if (out >= 0) return url.slice(out + 8)
  return url.replace(/^file:\/\//, '')
}
const label = (node) => {
  const f = node.callFrame
  return `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`
}
const area = (node) => {
  const { url, functionName } = node.callFrame
  if (!url) return functionName.startsWith('(') ? functionName : `(native) ${functionName}`
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/')
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]
  }
  const chunk = /\/server\/(chunks\/.+|index\.mjs)$/.exec(url)
  return chunk ? `bundle: ${chunk[1]}` : shortUrl(url)
}

const self = new Map()
const inclusive = new Map()
const areas = new Map()
let total = 0
let elapsed = 0
const times = profile.timeDeltas ?? []
for (let i = 0; i < profile.samples.length; i++) {
  const dt = (times[i] ?? 0) / 1000 // ms
  elapsed += dt
  if (elapsed < SKIP_MS) continue
  const node = byId.get(profile.samples[i])
  if (!node) continue
  total += dt
  const key = label(node)
  self.set(key, (self.get(key) ?? 0) + dt)
  const a = area(node)
  areas.set(a, (areas.get(a) ?? 0) + dt)
  const seen = new Set()
  for (let id = node.id; id !== undefined; id = parent.get(id)) {
    const k = label(byId.get(id))
    if (seen.has(k)) continue
    seen.add(k)
    inclusive.set(k, (inclusive.get(k) ?? 0) + dt)
  }
}

const busy = total - (self.get('(idle) ') ?? 0)
const print = (title, map, base) => {
  console.log(`\n${title}`)
  for (const [k, v] of [...map].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    console.log(`${v.toFixed(0).padStart(8)} ms ${(v / base * 100).toFixed(1).padStart(5)}%  ${k}`)
  }
}
console.log(`${file}: ${(total / 1000).toFixed(1)} s sampled, ${(busy / 1000).toFixed(1)} s not idle (${(busy / total * 100).toFixed(0)}%)`)
print('self time by area (% of non-idle)', new Map([...areas].filter(([k]) => k !== '(idle)')), busy)
print('self time by function (% of non-idle)', new Map([...self].filter(([k]) => !k.startsWith('(idle)'))), busy)
print('inclusive time by function (% of non-idle)', new Map([...inclusive].filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('(root)'))), busy)
