// npm run bench:soak [-- --clients=200 --duration=60 --no-build]
// Issue #3's load and soak check: N concurrent clients mixing login, list, upload, delete (and
// me / file reads) for a fixed time against the production build on loopback; bounded and
// self-stopping. Afterwards it verifies that every 201 upload not deleted since is listed and on
// disk, that every deleted one is gone from both, and that no orphan or temporary file is left.
// Exit code 1 when there were non-429 errors or the verification failed.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import { photoJpeg } from './images.mjs'
import { adminQuery, cleanupAll, freePort, log, multipartBody, onCleanup, PRODUCTION_NODE_FLAGS, productionServerEnv, randomDbName, startProcess, uniqueImage, waitFor200 } from './lib.mjs'

const arg = (name, fallback) => {
  const hit = process.argv.find(a => a.startsWith(`--${name}=`))
  return hit ? Number(hit.split('=')[1]) : fallback
}
const CLIENTS = arg('clients', 200)
const DURATION_S = arg('duration', 60)
const ROOT = resolve(import.meta.dirname, '..')
// A build folder of its own, so a soak and `npm run bench` can run side by side.
const BUILD_DIR = join(ROOT, 'bench/.tmp/soak-build') // outside .nuxt, which `nuxt prepare` empties
const OUTPUT = join(BUILD_DIR, 'output')

const watchdog = setTimeout(() => {
  log('soak: watchdog fired, stopping')
  cleanupAll().finally(() => process.exit(2))
}, (DURATION_S + 600) * 1000)
watchdog.unref()

async function main() {
  if (!process.argv.includes('--no-build')) {
    log('soak: building the production server')
    const build = spawnSync(process.execPath, [join(ROOT, 'bench/build.mjs'), ROOT, BUILD_DIR], { cwd: ROOT, encoding: 'utf8' })
    if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}\n${build.stderr}`)
  }
  const dbName = randomDbName()
  const uploadFolder = mkdtempSync(join(tmpdir(), 'gallery-soak-'))
  onCleanup(() => rmSync(uploadFolder, { recursive: true, force: true }))
  onCleanup(() => adminQuery(`DROP DATABASE IF EXISTS \`${dbName}\``))
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const server = startProcess('server', [...PRODUCTION_NODE_FLAGS, join(OUTPUT, 'server/index.mjs')], {
    env: {
      ...productionServerEnv(port),
      DB_NAME: dbName,
      UPLOAD_FOLDER: uploadFolder,
      // Every client registers from 127.0.0.1; the defaults would rightly refuse that many.
      RATE_LIMIT_REGISTER_PER_IP: String(CLIENTS * 2),
    },
  })
  await waitFor200(`${base}/api/health`, server)

  const photos = await Promise.all([320, 640, 960].map(w => photoJpeg(w, Math.round(w * 0.75), { grain: 12 })))
  // Bytes of its own per upload: the same bytes twice are a 409 duplicate.
  let sentUploads = 0
  const nextBody = () => {
    const i = sentUploads++
    return multipartBody(uniqueImage(photos[i % photos.length], `s${i}`), `soak-${i % photos.length}.jpg`, 'image/jpeg')
  }

  const stats = new Map() // action -> { ok, limited, errors, latencies[] }
  const errorSamples = []
  const record = (action, status, ms) => {
    const s = stats.get(action) ?? { ok: 0, limited: 0, errors: 0, latencies: [] }
    stats.set(action, s)
    s.latencies.push(ms)
    if (status >= 200 && status < 400) s.ok++
    else if (status === 429) s.limited++
    else {
      s.errors++
      if (errorSamples.length < 10) errorSamples.push(`${action}: ${status}`)
    }
  }
  const call = async (action, path, init = {}) => {
    const started = performance.now()
    try {
      const res = await fetch(base + path, init)
      const text = await res.text()
      record(action, res.status, performance.now() - started)
      return { status: res.status, json: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : undefined }
    }
    catch (error) {
      record(action, 0, performance.now() - started)
      if (errorSamples.length < 10) errorSamples.push(`${action}: ${error.cause?.code ?? error.message}`)
      return { status: 0 }
    }
  }

  log(`soak: registering ${CLIENTS} users`)
  const users = []
  for (let i = 0; i < CLIENTS; i += 20) {
    await Promise.all(Array.from({ length: Math.min(20, CLIENTS - i) }, async (_, j) => {
      const username = `soak_${i + j}_${randomBytes(3).toString('hex')}`
      const password = `pw-${randomBytes(8).toString('hex')}`
      const res = await call('register', '/api/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
      if (res.status !== 201) throw new Error(`register answered ${res.status}`)
      users.push({ username, password, token: '', uploaded: new Set(), deleted: new Set(), live: [] })
    }))
  }

  log(`soak: ${CLIENTS} clients for ${DURATION_S} s`)
  const deadline = Date.now() + DURATION_S * 1000
  let peakRss = 0
  const rssTimer = setInterval(() => {
    try {
      const status = readdirSync('/proc').includes(String(server.pid)) ? spawnSync('cat', [`/proc/${server.pid}/status`], { encoding: 'utf8' }).stdout : ''
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
      peakRss = Math.max(peakRss, kb / 1024)
    }
    catch { /* process gone */ }
  }, 500)

  const login = async (user) => {
    const res = await call('login', '/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: user.username, password: user.password }) })
    if (res.status === 200) user.token = res.json.token
  }
  const client = async (user) => {
    await login(user)
    while (Date.now() < deadline) {
      const auth = { authorization: `Bearer ${user.token}` }
      const roll = Math.random()
      if (roll < 0.05) await login(user)
      else if (roll < 0.40) await call('list', '/api/images?limit=50', { headers: auth })
      else if (roll < 0.50) await call('me', '/api/me', { headers: auth })
      else if (roll < 0.75) {
        const body = nextBody()
        const res = await call('upload', '/api/images/upload', { method: 'POST', headers: { ...auth, 'content-type': body.contentType }, body: body.body })
        if (res.status === 201) {
          user.uploaded.add(res.json.image.id)
          user.live.push(res.json.image)
        }
      }
      else if (roll < 0.88 && user.live.length) {
        const [image] = user.live.splice(Math.floor(Math.random() * user.live.length), 1)
        const res = await call('delete', `/api/images/delete/${image.id}`, { method: 'DELETE', headers: auth })
        if (res.status === 200) user.deleted.add(image.id)
        else user.live.push(image)
      }
      else if (user.live.length) {
        const image = user.live[Math.floor(Math.random() * user.live.length)]
        await call(Math.random() < 0.5 ? 'file' : 'thumb', Math.random() < 0.5 ? image.url : image.thumbnail_url, { headers: auth })
      }
    }
  }
  const started = Date.now()
  await Promise.all(users.map(client))
  const elapsed = (Date.now() - started) / 1000
  clearInterval(rssTimer)

  // Verification, through the API and against the database and the disk.
  log('soak: verifying')
  const problems = []
  for (const user of users) {
    await login(user)
    const listed = new Set()
    let path = '/api/images?limit=100'
    while (path) {
      const res = await fetch(base + path, { headers: { authorization: `Bearer ${user.token}` } })
      if (res.status !== 200) {
        problems.push(`${user.username}: list answered ${res.status}`)
        break
      }
      for (const image of await res.json()) listed.add(image.id)
      path = /<([^>]+)>; rel="next"/.exec(res.headers.get('link') ?? '')?.[1] ?? ''
    }
    const expected = [...user.uploaded].filter(id => !user.deleted.has(id))
    for (const id of expected) if (!listed.has(id)) problems.push(`${user.username}: uploaded image ${id} is not listed`)
    for (const id of user.deleted) if (listed.has(id)) problems.push(`${user.username}: deleted image ${id} is still listed`)
    if (listed.size !== expected.length) problems.push(`${user.username}: ${listed.size} listed, ${expected.length} expected`)
  }
  const rows = await adminQuery(`SELECT id, filepath, thumbpath FROM \`${dbName}\`.images`)
  const onDisk = new Set()
  for (const dir of readdirSync(uploadFolder)) {
    if (!/^\d+$/.test(dir)) continue
    for (const name of readdirSync(join(uploadFolder, dir))) onDisk.add(`${dir}/${name}`)
  }
  const keys = new Set(rows.flatMap(r => [r.filepath, r.thumbpath]))
  for (const key of keys) if (!onDisk.has(key)) problems.push(`row file missing on disk: ${key}`)
  for (const key of onDisk) if (!keys.has(key)) problems.push(`orphan file on disk: ${key}`)
  const temp = readdirSync(join(uploadFolder, '.tmp'), { withFileTypes: false }).length
  if (temp) problems.push(`${temp} temporary file(s) left in .tmp`)
  const allDeleted = users.flatMap(u => [...u.deleted])
  const deletedRows = allDeleted.length ? await adminQuery(`SELECT COUNT(*) AS n FROM \`${dbName}\`.images WHERE id IN (?)`, [allDeleted]) : [{ n: 0 }]
  if (Number(deletedRows[0].n)) problems.push(`${deletedRows[0].n} deleted image row(s) still in the database`)

  // Report.
  const pct = (values, p) => {
    const sorted = [...values].sort((a, b) => a - b)
    return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : 0
  }
  let served = 0
  let errors = 0
  let limited = 0
  console.log(`\nsoak: ${CLIENTS} clients, ${elapsed.toFixed(1)} s, Node ${process.version}\n`)
  console.log('| action | ok | 429 | errors | p50 ms | p99 ms |')
  console.log('|---|---|---|---|---|---|')
  for (const [action, s] of [...stats].sort()) {
    if (action === 'register') continue
    served += s.ok + s.limited + s.errors
    errors += s.errors
    limited += s.limited
    console.log(`| ${action} | ${s.ok} | ${s.limited} | ${s.errors} | ${pct(s.latencies, 0.5).toFixed(0)} | ${pct(s.latencies, 0.99).toFixed(0)} |`)
  }
  const uploads = users.reduce((n, u) => n + u.uploaded.size, 0)
  const deletes = allDeleted.length
  console.log(`\nrequests served: ${served} (${(served / elapsed).toFixed(0)}/s), non-429 errors: ${errors}, 429s: ${limited}`)
  console.log(`uploads (201): ${uploads}, deletes (200): ${deletes}, rows now: ${rows.length}, files on disk: ${onDisk.size}, server peak RSS: ${peakRss.toFixed(0)} MiB`)
  console.log(`verification: ${problems.length ? `${problems.length} problem(s)` : 'every 201 upload listed and on disk, every delete gone from both, no orphans, no temporary files'}`)
  for (const p of problems.slice(0, 20)) console.log(`  - ${p}`)
  for (const e of errorSamples) console.log(`  error sample: ${e}`)
  await server.stop()
  return errors === 0 && problems.length === 0
}

main()
  .then(async (ok) => {
    await cleanupAll()
    process.exit(ok ? 0 : 1)
  })
  .catch(async (error) => {
    console.error('soak failed:', error)
    await cleanupAll()
    process.exit(1)
  })
