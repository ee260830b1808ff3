// The Gallery benchmark (issue #5): `npm run bench` / `npm run bench:quick`.
//
//   node bench/run.mjs [--quick] [--web | --no-web] [--only=list,me,...] [--cpu-prof]
//                      [--no-build] [--images=1000] [--rounds=3] [--variants=album,taken]
//                      [--write | --no-write]
//
// Scenarios (--only): list, me, file, thumb, revalidate, organize, plans, batch, login, mixed,
// upload, memory. organize/plans/batch (issue #13, bench/organize.mjs) run on a user with 10,000
// images inserted with SQL: the list filters and the album page side by side with the plain list
// (--rounds rounds, default 3, --quick 1; --variants= keeps the plain list and the variants whose
// names contain a given word), their query plans from MariaDB, and the 500-id batch.
//
// 1. builds the production server into bench/.tmp/build (bench/build.mjs, in a child process);
// 2. starts it on a free loopback port with NODE_ENV=production, a random JWT secret, a fresh
//    database gallery_bench_<random> and a temporary upload folder (all removed afterwards, also on
//    failure and Ctrl-C; the whole run is bounded by a watchdog);
// 3. seeds 20 users and a "big" user with 1,000 ~300 KB JPEGs uploaded through the API (only when a
//    scenario reads them), and for the organize scenarios a user with 10,000 rows inserted with SQL;
// 4. runs the scenarios with autocannon (10 s after a 2 s warm-up; --quick: 3 s after 1 s) and the
//    baselines of bench/baseline.mjs (its own process);
// 5. prints one table and (full runs, or --write) writes docs/PERFORMANCE.md;
// 6. measures the web weight (bench/web.mjs); `--web` runs only that part, `--no-web` skips it.
//
// --cpu-prof restarts the server under `node --cpu-prof` for each scenario (after seeding), so each
// scenario gets its own bench/.tmp/profiles/<scenario>.cpuprofile (read it with bench/profile-top.mjs).
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import {
  adminQuery, cannon, cleanupAll, cpuMeter, freePort, hwmMb, log, multipartBody, onCleanup, pool, postJson, randomDbName, uniqueImage,
  pendingThumbnails, PRODUCTION_NODE_FLAGS, productionServerEnv, resetHwm, rssMb, sampleRss, sleep, startProcess, thumbnailsDone, upload, waitFor200,
} from './lib.mjs'
import { galleryPhotos, megabyteJpeg, noisePng, sixteenMegabyteJpeg } from './images.mjs'
import { batchScenario, capturePlans, organizeMarkdown, organizeScenario, seedOrganize } from './organize.mjs'
import { rawLoad } from './rawload.mjs'
import { measureWeb } from './web.mjs'

const ROOT = resolve(import.meta.dirname, '..')
// Outside .nuxt: `nuxt prepare` (run by others on the shared checkout) empties .nuxt, and the server
// loads its route chunks lazily, so a build there can vanish under a running bench (a 500 mid-run).
const BUILD_DIR = join(ROOT, 'bench/.tmp/build')
const OUTPUT_DIR = join(BUILD_DIR, 'output')
const TMP = join(ROOT, 'bench/.tmp')
const DOC = join(ROOT, 'docs/PERFORMANCE.md')

// ---------------------------------------------------------------------------------------------
// Options

const argv = process.argv.slice(2)
const flag = name => argv.includes(`--${name}`)
const option = (name, fallback) => {
  const hit = argv.find(a => a.startsWith(`--${name}=`))
  return hit ? hit.slice(name.length + 3) : fallback
}
const QUICK = flag('quick')
const WEB_ONLY = flag('web')
const WEB = WEB_ONLY || !flag('no-web')
const CPU_PROF = flag('cpu-prof')
const ONLY = option('only', '') ? new Set(option('only', '').split(',')) : undefined
const BIG_IMAGES = Number(option('images', '1000'))
const WEB_IMAGES = 200
const WRITE_DOC = flag('write') || (!QUICK && !WEB_ONLY && !ONLY && !CPU_PROF && !flag('no-write'))
const WARMUP_S = QUICK ? 1 : 2
/** Rounds of the organize lists and the batch (medians over them); each list target 1 s + 5 s (--quick: 1 s + 3 s). */
const ORGANIZE_ROUNDS = Number(option('rounds', QUICK ? '1' : '3'))
const ORGANIZE_DURATION_S = QUICK ? 3 : 5
const ORGANIZE_VARIANTS = option('variants', '') ? option('variants', '').split(',') : undefined
const DURATION_S = QUICK ? 3 : 10
const USERS = 20
const PASSWORD = 'bench-password-0123'
const WATCHDOG_MS = Number(option('timeout', String(40 * 60))) * 1000
const wanted = name => !WEB_ONLY && (!ONLY || ONLY.has(name))

const watchdog = setTimeout(() => {
  log(`watchdog: the run took longer than ${WATCHDOG_MS / 1000} s; stopping`)
  cleanupAll().finally(() => process.exit(124))
}, WATCHDOG_MS)

mkdirSync(TMP, { recursive: true })
const SERVER_LOG = join(TMP, 'server.log')
writeFileSync(SERVER_LOG, '')

// ---------------------------------------------------------------------------------------------
// Build and processes

async function build() {
  if (flag('no-build') && existsSync(join(OUTPUT_DIR, 'server/index.mjs'))) {
    log('reusing the existing build in', OUTPUT_DIR)
    return
  }
  log('building the production server into', OUTPUT_DIR)
  const started = Date.now()
  const child = spawn(process.execPath, [join(ROOT, 'bench/build.mjs'), ROOT, BUILD_DIR], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (d) => { output += d })
  child.stderr.on('data', (d) => { output += d })
  const kill = () => child.kill('SIGKILL')
  process.once('exit', kill)
  const code = await new Promise(r => child.on('exit', r))
  process.off('exit', kill)
  writeFileSync(join(TMP, 'build.log'), output)
  if (code !== 0) throw new Error(`build failed (exit ${code}); see bench/.tmp/build.log:\n${output.slice(-3000)}`)
  log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}

const secret = randomBytes(48).toString('base64url')
const dbName = randomDbName()
let uploadFolder
let server
let serverBase

async function startServer(profileName) {
  const port = await freePort()
  const args = []
  if (profileName) {
    const dir = join(TMP, 'profiles')
    mkdirSync(dir, { recursive: true })
    args.push('--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${profileName}.cpuprofile`)
  }
  args.push(...PRODUCTION_NODE_FLAGS, join(OUTPUT_DIR, 'server/index.mjs'))
  const env = {
    ...productionServerEnv(port, { jwtSecret: secret }),
    DB_NAME: dbName,
    UPLOAD_FOLDER: uploadFolder,
    NITRO_SHUTDOWN_TIMEOUT: '5000',
    // seeding registers 20 users from one address; the login scenario uses correct passwords only,
    // but thousands of them from one address, which the per-address attempt limit would refuse
    RATE_LIMIT_REGISTER_PER_IP: '100000',
    RATE_LIMIT_LOGIN_ATTEMPTS_PER_IP: '100000000',
    DATABASE_URL: '',
  }
  server = startProcess('server', args, { env, cwd: ROOT, logFile: SERVER_LOG, graceMs: 15_000 })
  serverBase = `http://127.0.0.1:${port}`
  await waitFor200(`${serverBase}/api/health`, server, 90_000)
  log(`server pid ${server.pid} ready on ${serverBase}${profileName ? ` (profiling: ${profileName})` : ''}`)
}

let baseline
let baselineBase

async function startBaseline(file, type) {
  const port = await freePort()
  baseline = startProcess('baseline', [join(ROOT, 'bench/baseline.mjs')], {
    env: { PORT: String(port), DB_NAME: dbName, JWT_SECRET_KEY: secret, BASELINE_FILE: file, BASELINE_FILE_TYPE: type, DATABASE_URL: '' },
    cwd: ROOT,
    logFile: join(TMP, 'baseline.log'),
  })
  baselineBase = `http://127.0.0.1:${port}`
  await waitFor200(`${baselineBase}/list?user=0`, baseline, 30_000)
  log(`baseline pid ${baseline.pid} ready on ${baselineBase}`)
}

// ---------------------------------------------------------------------------------------------
// Seeding

const users = [] // { username, token, id }
let big, webUser, uploadUser, warmUser, memUser, organizeUser
let photos
let seedInfo = {}

async function login(username) {
  const res = await postJson(serverBase, '/api/login', { username, password: PASSWORD })
  if (res.status !== 200) throw new Error(`login ${username} answered ${res.status}: ${res.text.slice(0, 200)}`)
  return res.json.token
}

async function seed() {
  const started = Date.now()
  const run = randomBytes(2).toString('hex')
  await pool(USERS, 4, async (i) => {
    const username = `bench_${run}_${String(i + 1).padStart(2, '0')}`
    const res = await postJson(serverBase, '/api/register', { username, password: PASSWORD })
    if (res.status !== 201) throw new Error(`register ${username} answered ${res.status}: ${res.text.slice(0, 200)}`)
    const token = await login(username)
    const me = await fetch(`${serverBase}/api/me`, { headers: { authorization: `Bearer ${token}` } }).then(r => r.json())
    users[i] = { username, token, id: me.id }
  })
  ;[big, webUser, uploadUser, warmUser, memUser, organizeUser] = users
  log(`registered ${USERS} users in ${((Date.now() - started) / 1000).toFixed(1)} s`)

  const rawPhotos = await galleryPhotos(6)
  photos = rawPhotos.map((bytes, i) => multipartBody(bytes, `photo-${i + 1}.jpg`, 'image/jpeg'))
  // Each seeded upload gets bytes of its own (the same bytes twice are a 409 duplicate).
  const seedPhoto = i => multipartBody(uniqueImage(rawPhotos[i % rawPhotos.length], i), `photo-${(i % rawPhotos.length) + 1}.jpg`, 'image/jpeg')
  // The big user's uploads take ~25 s; only the scenarios that read its images need them.
  const bigCount = ['list', 'me', 'file', 'thumb', 'revalidate', 'mixed'].some(wanted) ? BIG_IMAGES : 0
  const webCount = WEB ? WEB_IMAGES : 0
  const t0 = Date.now()
  await pool(bigCount, 4, i => upload(serverBase, big.token, seedPhoto(i)))
  const bigSeconds = (Date.now() - t0) / 1000
  if (bigCount) log(`uploaded ${bigCount} images for ${big.username} in ${bigSeconds.toFixed(1)} s (${(bigCount / bigSeconds).toFixed(1)}/s)`)
  const t1 = Date.now()
  await pool(webCount, 4, i => upload(serverBase, webUser.token, seedPhoto(i)))
  if (webCount) log(`uploaded ${webCount} images for ${webUser.username} in ${((Date.now() - t1) / 1000).toFixed(1)} s`)
  // Thumbnails follow uploads in the background: the scenarios start once the server has made them all.
  const t2 = Date.now()
  await thumbnailsDone(dbName, { pollMs: 250 })
  const thumbSeconds = (Date.now() - t2) / 1000
  if (bigCount + webCount) log(`thumbnails of the seeded images all made ${thumbSeconds.toFixed(1)} s after the last upload`)
  seedInfo = { users: USERS, bigImages: bigCount, webImages: webCount, bigSeconds, thumbSeconds, photoBytes: photos.map(p => p.fileBytes) }
  if (['organize', 'plans', 'batch'].some(wanted)) {
    seedInfo.organize = await seedOrganize(dbName, organizeUser.id)
  }
}

// ---------------------------------------------------------------------------------------------
// Scenarios

const results = {}
const rssTrail = [] // server RSS (MiB) along the run
const auth = user => ({ authorization: `Bearer ${user.token}` })

const pids = () => ({ server: server?.isRunning() ? server.pid : undefined, baseline: baseline?.isRunning() ? baseline.pid : undefined })
const cpuText = cpu => Object.entries(cpu).map(([k, v]) => `${k} ${v}%`).join(', ')

/**
 * Warm-up, then the measured run, of the same autocannon options; with `lean`, the same GET is then
 * measured again with the lean raw-socket client (bench/rawload.mjs). CPU use per process is recorded.
 */
async function measure(name, options, { lean = false } = {}) {
  log(`${name}: ${options.connections} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s`)
  await cannon({ ...options, duration: WARMUP_S })
  let meter = cpuMeter(pids())
  const result = await cannon({ ...options, duration: DURATION_S })
  result.cpu = meter.stop()
  log(`${name}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, statuses ${JSON.stringify(result.statuses)}, socket errors ${result.socketErrors}; CPU ${cpuText(result.cpu)}`)
  if (lean) {
    const url = new URL(options.url)
    const target = { port: Number(url.port), path: url.pathname + url.search, headers: options.headers ?? {}, connections: options.connections }
    await rawLoad({ ...target, duration: WARMUP_S })
    meter = cpuMeter(pids())
    result.lean = await rawLoad({ ...target, duration: DURATION_S })
    result.lean.cpu = meter.stop()
    log(`${name} (lean client): ${result.lean.rps.toFixed(0)} req/s, p50 ${result.lean.p50} ms, p99 ${result.lean.p99} ms, ${(result.lean.bytesPerSec / 1e6).toFixed(0)} MB/s, statuses ${JSON.stringify(result.lean.statuses)}; CPU ${cpuText(result.lean.cpu)}`)
  }
  return result
}

/** With --cpu-prof each scenario runs on a fresh server process started under --cpu-prof. */
async function withServer(name, fn) {
  if (!wanted(name)) return
  if (CPU_PROF) {
    await server.stop()
    await startServer(name)
  }
  try {
    results[name] = await fn()
    if (server?.isRunning()) rssTrail.push([`after ${name}`, Math.round(rssMb(server.pid))])
  }
  catch (error) {
    log(`${name} failed: ${error?.stack ?? error}`)
    results[name] = { failed: String(error?.message ?? error) }
  }
}

const loginBodies = () => users.map(u => JSON.stringify({ username: u.username, password: PASSWORD }))

function loginOptions(connections) {
  const bodies = loginBodies()
  let next = 0
  return {
    url: `${serverBase}/api/login`,
    method: 'POST',
    connections,
    headers: { 'content-type': 'application/json' },
    body: bodies[0],
    // each connection signs in as one of the 20 users (correct passwords)
    setupClient: client => client.setBody(bodies[next++ % bodies.length]),
  }
}

async function readBcryptCost() {
  const text = readFileSync(join(ROOT, 'server/features/auth/passwords.ts'), 'utf8')
  const match = /BCRYPT_COST\s*=\s*(\d+)/.exec(text)
  return match ? Number(match[1]) : undefined
}

/** The response headers a client of the list and me routes sees besides the body. */
const COMPARED_HEADERS = ['link', 'cache-control']

/**
 * Fetches each `[name, appUrl, baselineUrl]` from both servers and throws unless status, body bytes
 * and COMPARED_HEADERS are identical (a ceiling that answers differently measures something else).
 * Returns the app's bodies by name.
 */
async function checkSameAnswers(pairs, headers) {
  const bodies = {}
  const differences = []
  for (const [name, appUrl, baseUrl] of pairs) {
    const [app, base] = await Promise.all([appUrl, baseUrl].map(async (url) => {
      const res = await fetch(url, { headers })
      return { status: res.status, body: Buffer.from(await res.arrayBuffer()), headers: Object.fromEntries(COMPARED_HEADERS.map(h => [h, res.headers.get(h)])) }
    }))
    bodies[name] = app.body.toString('utf8')
    if (app.status !== 200) differences.push(`${name}: the app answered ${app.status}: ${bodies[name].slice(0, 200)}`)
    if (app.status !== base.status) differences.push(`${name}: status ${app.status} (app) vs ${base.status} (baseline)`)
    for (const h of COMPARED_HEADERS) {
      if (app.headers[h] !== base.headers[h]) differences.push(`${name}: ${h}: ${app.headers[h]} (app) vs ${base.headers[h]} (baseline)`)
    }
    if (!app.body.equals(base.body)) {
      let at = 0
      while (at < app.body.length && app.body[at] === base.body[at]) at++
      const around = b => JSON.stringify(b.subarray(Math.max(0, at - 60), at + 60).toString('utf8'))
      differences.push(`${name}: bodies differ at byte ${at} (app ${app.body.length} bytes, baseline ${base.body.length}):\n    app      ${around(app.body)}\n    baseline ${around(base.body)}`)
    }
  }
  if (differences.length) {
    throw new Error(`bench/baseline.mjs no longer answers like the app, so its ceiling means nothing; update it to match `
      + `server/features/images (queries.ts, dto.ts) and server/api:\n  ${differences.join('\n  ')}`)
  }
  return bodies
}

/** The read scenarios (list, me, file, thumb, revalidate) and their ceilings. */
async function readScenarios(listPath) {
  // the newest image of the big user: a ~300 KB JPEG
  const page = await fetch(serverBase + listPath, { headers: auth(big) }).then(r => r.json())
  const image = page[0]
  const [row] = await adminQuery(`SELECT filepath, content_type, size FROM \`${dbName}\`.images WHERE id = ?`, [image.id])
  const imagePath = join(uploadFolder, row.filepath)
  await startBaseline(imagePath, row.content_type)

  // The baseline re-does the app's list and me queries by hand: it is only a ceiling for the same
  // work if it gives the same answer, byte for byte. Checked before measuring; the run fails otherwise.
  const listChecks = await checkSameAnswers([
    ['list', serverBase + listPath, `${baselineBase}/list?user=${big.id}&limit=50`],
    ['list+auth', serverBase + listPath, `${baselineBase}/list-auth?limit=50`],
    ['list limit=1', `${serverBase}/api/images?limit=1`, `${baselineBase}/list?user=${big.id}&limit=1`],
    ['list limit=100', `${serverBase}/api/images?limit=100`, `${baselineBase}/list-auth?limit=100`],
    ['me', `${serverBase}/api/me`, `${baselineBase}/me`],
  ], auth(big))
  const appList = listChecks.list
  log(`baseline answers are byte-identical to the app's (list, list+auth, limit 1 and 100, me; ${JSON.parse(appList).length} items, ${Buffer.byteLength(appList)} bytes)`)
  results.checks = { listBytes: Buffer.byteLength(appList), imageId: image.id, imageBytes: row.size }

  await withServer('list', async () => {
    const app = await measure('list', { url: serverBase + listPath, connections: 64, headers: auth(big) })
    const base = await measure('list baseline', { url: `${baselineBase}/list?user=${big.id}&limit=50`, connections: 64 })
    const baseAuth = await measure('list+auth baseline', { url: `${baselineBase}/list-auth?limit=50`, connections: 64, headers: auth(big) })
    return { app, base, baseAuth }
  })
  await withServer('me', async () => {
    const app = await measure('me', { url: `${serverBase}/api/me`, connections: 64, headers: auth(big) })
    const base = await measure('me baseline', { url: `${baselineBase}/me`, connections: 64, headers: auth(big) })
    return { app, base }
  })
  // (a function: with --cpu-prof the server, and so its port, changes between scenarios)
  const fileUrl = () => `${serverBase}/api/images/${image.id}/file`
  await withServer('file', async () => {
    const app = await measure('file', { url: fileUrl(), connections: 64, headers: auth(big) }, { lean: true })
    const base = await measure('file baseline', { url: `${baselineBase}/file`, connections: 64 }, { lean: true })
    return { app, base, bytes: row.size }
  })
  await withServer('thumb', async () => {
    const app = await measure('thumb', { url: `${fileUrl()}?variant=thumb`, connections: 64, headers: auth(big) }, { lean: true })
    return { app }
  })
  await withServer('revalidate', async () => {
    const first = await fetch(fileUrl(), { headers: auth(big) })
    await first.arrayBuffer()
    const etag = first.headers.get('etag')
    const app = await measure('revalidate', { url: fileUrl(), connections: 64, headers: { ...auth(big), 'if-none-match': etag } })
    return { app, etag }
  })
}

async function scenarios() {
  const listPath = '/api/images?limit=50'
  if (['list', 'me', 'file', 'thumb', 'revalidate'].some(wanted)) await readScenarios(listPath)
  const organizeSeed = seedInfo.organize
  await withServer('organize', () => organizeScenario({
    base: serverBase, token: organizeUser.token, seed: organizeSeed, rounds: ORGANIZE_ROUNDS, warmup: 1, duration: ORGANIZE_DURATION_S, pids, only: ORGANIZE_VARIANTS,
  }))
  await withServer('plans', () => capturePlans({ base: serverBase, token: organizeUser.token, seed: organizeSeed, dbName, only: ORGANIZE_VARIANTS }))
  // After the lists: the batch flips favourites (and flips them back).
  await withServer('batch', () => batchScenario({ base: serverBase, token: organizeUser.token, seed: organizeSeed, rounds: ORGANIZE_ROUNDS }))
  await withServer('login', async () => {
    const app = await measure('login', loginOptions(16))
    return { app, bcryptCost: await readBcryptCost() }
  })
  await withServer('mixed', async () => {
    log(`mixed: list at 32 connections alone, then while login runs at 16`)
    const listOptions = { url: serverBase + listPath, connections: 32, headers: auth(big) }
    // The quiet list at the same 32 connections, on the same server, just before: the p99 to compare with.
    await cannon({ ...listOptions, duration: WARMUP_S })
    const quiet = await cannon({ ...listOptions, duration: DURATION_S })
    await Promise.all([cannon({ ...listOptions, duration: WARMUP_S }), cannon({ ...loginOptions(16), duration: WARMUP_S })])
    const meter = cpuMeter(pids())
    const [list, loginResult] = await Promise.all([cannon({ ...listOptions, duration: DURATION_S }), cannon({ ...loginOptions(16), duration: DURATION_S })])
    const cpu = meter.stop()
    log(`mixed: quiet list ${quiet.rps.toFixed(0)} req/s p99 ${quiet.p99} ms; under logins ${list.rps.toFixed(0)} req/s p99 ${list.p99} ms; login ${loginResult.rps.toFixed(1)}/s p99 ${loginResult.p99} ms; CPU ${cpuText(cpu)}`)
    return { quiet, list, login: loginResult, cpu }
  })
  await withServer('upload', () => uploadScenario(sixteenMegabyteJpeg, 'upload'))
  if (!QUICK) await withServer('upload1mb', () => uploadScenario(megabyteJpeg, 'upload1mb'))
  // The budget is what a server needs for the uploads: measured on a freshly started server. After the
  // read scenarios above, V8's heap has grown under 64-connection load; that figure is reported too.
  await withServer('memory', async () => {
    const afterLoad = await memoryScenario('load')
    if (!CPU_PROF) {
      await server.stop()
      await startServer()
    }
    return { ...(await memoryScenario('fresh')), afterLoad }
  })
}

/**
 * JPEG uploads (~15.3 MiB, and ~1 MB in full runs), 8 connections. The warm-up uploads as another
 * user; the measured run sends a fixed number of requests (warm-up rate × duration) so no upload is
 * cut off at the end, and the database row count of the user must then equal the number of 201
 * answers. Thumbnails follow in the background: how long they take to catch up after the last
 * answer is measured too.
 */
async function uploadScenario(makeJpeg, name) {
  const jpeg = await makeJpeg()
  const body = multipartBody(jpeg, 'big-photo.jpg', 'image/jpeg')
  let sent = 0
  const options = user => ({
    url: `${serverBase}/api/images/upload`,
    method: 'POST',
    connections: 8,
    headers: { ...auth(user), 'content-type': body.contentType },
    // A tag of its own per request: the same bytes twice are a 409 duplicate, not an upload.
    requests: [{ setupRequest: request => ({ ...request, body: multipartBody(uniqueImage(jpeg, `u${sent++}`), 'big-photo.jpg', 'image/jpeg').body }) }],
    timeout: 60,
  })
  log(`${name}: ${(body.body.length / 1e6).toFixed(2)} MB bodies, 8 connections, ${WARMUP_S} s warm-up + ~${DURATION_S} s`)
  const warm = await cannon({ ...options(warmUser), duration: WARMUP_S })
  // The warm-up's thumbnails are made before the measured run starts.
  await thumbnailsDone(dbName, { userId: warmUser.id, timeoutMs: 120_000, pollMs: 200 })
  const amount = Math.max(16, Math.round(Math.max(warm.rps, 1) * DURATION_S))
  // upload and upload1mb both upload as uploadUser: each counts only the rows it added.
  const rowsBefore = Number((await adminQuery(`SELECT COUNT(*) AS n FROM \`${dbName}\`.images WHERE user_id = ?`, [uploadUser.id]))[0].n)
  let first = 0
  let last = 0
  const started = Date.now()
  const meter = cpuMeter(pids())
  const app = await cannon({
    ...options(uploadUser),
    amount,
    onInstance: instance => instance.on('response', () => { last = Date.now(); first ||= last }),
  })
  const seconds = (last - started) / 1000 || app.duration
  const cpu = meter.stop()
  const created = app.statuses['201'] ?? 0
  const pendingAtEnd = await pendingThumbnails(dbName, uploadUser.id)
  const pendingLeft = await thumbnailsDone(dbName, { userId: uploadUser.id })
  const catchUp = (Date.now() - last) / 1000
  const [{ n: rowsAfter }] = await adminQuery(`SELECT COUNT(*) AS n FROM \`${dbName}\`.images WHERE user_id = ?`, [uploadUser.id])
  const rows = Number(rowsAfter) - rowsBefore
  const result = {
    app: { ...app, rps: created / seconds, duration: seconds },
    requests: amount,
    created,
    rows: Number(rows),
    bodyBytes: body.body.length,
    fileBytes: jpeg.length,
    mbps: created * body.body.length / seconds / 1e6,
    cpu,
    pendingAtEnd,
    pendingLeft,
    catchUp,
    thumbsPerSecond: created / (seconds + catchUp),
  }
  log(`${name}: thumbnails: ${pendingAtEnd} still to make at the last answer, all made ${catchUp.toFixed(1)} s later (${pendingLeft} left); ${result.thumbsPerSecond.toFixed(1)} uploads/s including thumbnails`)
  log(`${name}: ${created} × 201 in ${seconds.toFixed(1)} s = ${result.app.rps.toFixed(1)} uploads/s, ${result.mbps.toFixed(1)} MB/s; rows ${result.rows}; statuses ${JSON.stringify(app.statuses)}`)
  return result
}

/** Peak RSS of the server while 16 clients each upload a ~15.9 MiB noise PNG at once. */
async function memoryScenario(tag) {
  const { png, width, height } = await noisePng()
  const body = multipartBody(png, 'noise.png', 'image/png')
  const pid = server.pid
  await sleep(2000)
  const idleBefore = rssMb(pid)
  const hwmReset = resetHwm(pid)
  const sampler = sampleRss(pid, 50)
  const started = Date.now()
  log(`memory: 16 × ${(png.length / 1048576).toFixed(2)} MiB PNG (${width}×${height}) at once; idle RSS ${idleBefore.toFixed(0)} MiB`)
  const statuses = await Promise.all(Array.from({ length: 16 }, (_, i) =>
    fetch(`${serverBase}/api/images/upload`, { method: 'POST', headers: { ...auth(memUser), 'content-type': body.contentType }, body: multipartBody(uniqueImage(png, `m${tag}${i}`), 'noise.png', 'image/png').body, signal: AbortSignal.timeout(180_000) })
      .then(async (r) => { await r.arrayBuffer(); return r.status }, error => `error: ${error.message}`)))
  const seconds = (Date.now() - started) / 1000
  const { peakMb: sampledPeak, samples } = sampler.stop()
  const hwm = hwmReset ? hwmMb(pid) : undefined
  await sleep(3000)
  const idleAfter = rssMb(pid)
  const peak = Math.max(sampledPeak, hwm ?? 0)
  const counts = {}
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1
  const errors = statuses.filter(s => s !== 201).length
  log(`memory (${tag === 'fresh' ? 'fresh server' : 'after the scenarios above'}): peak RSS ${peak.toFixed(0)} MiB (sampled ${sampledPeak.toFixed(0)}, VmHWM ${hwm?.toFixed(0) ?? 'n/a'}), idle after ${idleAfter.toFixed(0)} MiB; ${JSON.stringify(counts)} in ${seconds.toFixed(1)} s`)
  return { idleBefore, idleAfter, peak, sampledPeak, hwm, hwmReset, samples, statuses: counts, errors, seconds, pngBytes: png.length, width, height }
}

// ---------------------------------------------------------------------------------------------
// Report

const fmt = (v, digits = 0) => (v === undefined || v === null || Number.isNaN(v) ? '—' : Number(v).toFixed(digits))
const pct = v => (v === undefined || v === null ? '—' : `${(v * 100).toFixed(0)}%`)
const cpuNote = (cpu, rps) => (cpu ? `CPU % of a core: server ${cpu.server ?? 0}, db ${cpu.db ?? 0}, load gen ${cpu.bench ?? 0}, other ${cpu.other ?? 0}${rps ? `; server ${(cpu.server * 10 / rps).toFixed(2)} ms CPU/req` : ''}` : '')
const passFail = ok => (ok === undefined ? 'info' : ok ? 'pass' : 'FAIL')

function buildRows() {
  const rows = []
  const r = results
  const add = row => rows.push(row)
  const failed = (name) => {
    if (!r[name]?.failed) return false
    add({ scenario: name, budget: '', result: 'FAIL', notes: `did not run: ${r[name].failed}` })
    return true
  }
  if (r.list && !failed('list')) {
    const { app, base, baseAuth } = r.list
    const ratio = app.rps / base.rps
    add({ scenario: 'list', rps: app.rps, p50: app.p50, p99: app.p99, errors: app.errors, baseline: base.rps, ratio, budget: '≥ 85% of ceiling, p99 < 50 ms', result: passFail(ratio >= 0.85 && app.p99 < 50 && app.errors === 0), notes: `ceiling = list query only (p99 ${base.p99} ms, ${(base.cpu.baseline * 10 / base.rps).toFixed(2)} ms CPU/req); ${cpuNote(app.cpu, app.rps)}` })
    // Issue 18's budget: the app against a hand-written server doing the same work (token, session, list).
    const authRatio = app.rps / baseAuth.rps
    add({ scenario: 'list vs auth+list ceiling', rps: app.rps, baseline: baseAuth.rps, ratio: authRatio, budget: '≥ 90% of auth+list ceiling', result: passFail(authRatio >= 0.9 && app.errors === 0), notes: `ceiling = HS256 check + session lookup + list query (p99 ${baseAuth.p99} ms); ceiling ${(baseAuth.cpu.baseline * 10 / baseAuth.rps).toFixed(2)} ms CPU/req` })
  }
  if (r.me && !failed('me')) {
    const { app, base } = r.me
    const ratio = app.rps / base.rps
    add({ scenario: 'me', rps: app.rps, p50: app.p50, p99: app.p99, errors: app.errors, baseline: base.rps, ratio, budget: '≥ 85% of ceiling', result: passFail(ratio >= 0.85 && app.errors === 0), notes: `ceiling = HS256 check + session lookup (p99 ${base.p99} ms, ${(base.cpu.baseline * 10 / base.rps).toFixed(2)} ms CPU/req); ${cpuNote(app.cpu, app.rps)}` })
  }
  if (r.file && !failed('file')) {
    const app = r.file.app.lean
    const base = r.file.base.lean
    const ratio = app.rps / base.rps
    add({ scenario: 'file (lean client)', rps: app.rps, p50: app.p50, p99: app.p99, errors: app.errors + r.file.app.errors, mbps: app.bytesPerSec / 1e6, baseline: base.rps, ratio, budget: '≥ 90% of raw stream', result: passFail(ratio >= 0.9 && app.errors === 0), notes: `${(r.file.bytes / 1024).toFixed(0)} KiB JPEG; raw stream ${fmt(base.bytesPerSec / 1e6)} MB/s (${(base.cpu.baseline * 10 / base.rps).toFixed(2)} ms CPU/req); ${cpuNote(app.cpu, app.rps)}` })
    add({ scenario: 'file (autocannon)', rps: r.file.app.rps, p50: r.file.app.p50, p99: r.file.app.p99, errors: r.file.app.errors, mbps: r.file.app.bytesPerSec / 1e6, baseline: r.file.base.rps, ratio: r.file.app.rps / r.file.base.rps, budget: '(info)', result: 'info', notes: `load-generator-bound (body parsing in JS): ${cpuNote(r.file.app.cpu)}` })
  }
  if (r.thumb && !failed('thumb')) {
    const app = r.thumb.app.lean
    add({ scenario: 'thumb (lean client)', rps: app.rps, p50: app.p50, p99: app.p99, errors: app.errors + r.thumb.app.errors, mbps: app.bytesPerSec / 1e6, budget: '(report)', result: passFail(app.errors + r.thumb.app.errors === 0 ? undefined : false), notes: `WebP ${(app.bytesPerSec / Math.max(app.rps, 1) / 1024).toFixed(1)} KiB/response; autocannon ${fmt(r.thumb.app.rps)} req/s; ${cpuNote(app.cpu, app.rps)}` })
  }
  if (r.revalidate && !failed('revalidate')) {
    const { app } = r.revalidate
    const fileRps = r.file?.app?.lean?.rps
    const ratio = fileRps ? app.rps / fileRps : undefined
    const all304 = app.statuses['304'] === app.completed
    add({ scenario: 'revalidate', rps: app.rps, p50: app.p50, p99: app.p99, errors: app.errors, baseline: fileRps, ratio, budget: '≥ 2× file', result: passFail(ratio === undefined ? undefined : ratio >= 2 && all304 && app.errors === 0), notes: `baseline = app file req/s (lean client); ${all304 ? 'all 304' : `statuses ${JSON.stringify(app.statuses)}`}; ${cpuNote(app.cpu, app.rps)}` })
  }
  for (const [name, label, budgeted] of [['upload', 'upload (16 MiB JPEGs)', true], ['upload1mb', 'upload (1 MB JPEGs)', false]]) {
    if (!r[name] || failed(name)) continue
    const u = r[name]
    const ok = u.mbps >= 100 && u.app.errors === 0 && u.rows === u.created && u.pendingLeft === 0
    const thumbs = `thumbnails in the background: ${u.pendingAtEnd} left at the last answer, all made ${u.catchUp.toFixed(1)} s later${u.pendingLeft ? ` (${u.pendingLeft} NOT made)` : ''} (${u.thumbsPerSecond.toFixed(1)} uploads/s counting them)`
    add({ scenario: label, rps: u.app.rps, p50: u.app.p50, p99: u.app.p99, errors: u.app.errors, mbps: u.mbps, budget: budgeted ? '≥ 100 MB/s, 0 errors, rows = 201s' : '(info)', result: budgeted ? passFail(ok) : 'info', notes: `${(u.bodyBytes / 1e6).toFixed(2)} MB bodies; ${u.created} × 201, ${u.rows} rows; ${thumbs}; ${cpuNote(u.cpu, u.app.rps)}` })
  }
  if (r.login && !failed('login')) {
    const { app, bcryptCost } = r.login
    add({ scenario: 'login', rps: app.rps, p50: app.p50, p99: app.p99, errors: app.errors, budget: 'bcrypt cost ≥ 10; logins/s reported', result: passFail(bcryptCost >= 10 && app.errors === 0), notes: `BCRYPT_COST = ${bcryptCost ?? '?'}; ${cpuNote(app.cpu, app.rps)}` })
  }
  if (r.mixed && !failed('mixed')) {
    const { quiet, list, login: lg } = r.mixed
    const p99Ratio = list.p99 / Math.max(quiet.p99, 1)
    add({ scenario: 'mixed (list @32 + login @16)', rps: list.rps, p50: list.p50, p99: list.p99, errors: list.errors + lg.errors, baseline: quiet.rps, ratio: list.rps / quiet.rps, budget: 'list p99 < 100 ms and ≤ 2× quiet p99', result: passFail(list.p99 < 100 && p99Ratio <= 2 && list.errors + lg.errors === 0), notes: `list figures; baseline = the same list alone at 32 connections just before (p99 ${quiet.p99} ms): p99 ${p99Ratio.toFixed(2)}× quiet; logins ${lg.rps.toFixed(1)}/s (p99 ${lg.p99} ms) meanwhile; ${cpuNote(r.mixed.cpu)}` })
  }
  if (r.memory && !failed('memory')) {
    const m = r.memory
    add({ scenario: 'memory (16 × 15.9 MiB PNG)', errors: m.errors, budget: 'peak RSS < 300 MB', result: passFail(m.peak < 300 && m.errors === 0), notes: `peak RSS ${m.peak.toFixed(0)} MiB on a freshly started server; idle ${m.idleBefore.toFixed(0)} → ${m.idleAfter.toFixed(0)} MiB; ${JSON.stringify(m.statuses)} in ${m.seconds.toFixed(1)} s${m.afterLoad ? `; after the read scenarios above (heap grown by them): idle ${m.afterLoad.idleBefore.toFixed(0)} MiB, peak ${m.afterLoad.peak.toFixed(0)} MiB, ${JSON.stringify(m.afterLoad.statuses)}` : ''}` })
  }
  if (r.web) {
    const w = r.web
    if (!w.ok) {
      add({ scenario: 'web JS (gzip)', budget: '< 150 KB', result: 'n/a', notes: w.note })
      add({ scenario: 'web first thumbnail', budget: '< 1.5 s', result: 'n/a', notes: w.note })
    }
    else {
      add({ scenario: 'web JS (gzip)', budget: '< 150 KB', result: passFail(w.js.gzip / 1000 < 150), notes: `${(w.js.gzip / 1000).toFixed(1)} KB gzip (zlib level 6, by the bench) in ${w.js.count} files${w.js.inline ? ' + inline' : ''} (${(w.js.raw / 1000).toFixed(1)} KB raw, ${(w.js.wire / 1000).toFixed(1)} KB on the wire: ${w.compressed ? 'compressed' : 'not compressed'} by the server)` })
      add({ scenario: 'web CSS (gzip)', budget: '(report)', result: 'info', notes: `${(w.css.gzip / 1000).toFixed(1)} KB gzip in ${w.css.count} files + inline style elements (${(w.css.raw / 1000).toFixed(1)} KB raw)` })
      add({ scenario: 'web first thumbnail', budget: '< 1.5 s', result: w.firstThumbMs === null ? 'n/a' : passFail(w.firstThumbMs < 1500), notes: w.firstThumbMs === null ? (w.note || 'no thumbnail') : `${fmt(w.firstThumbMs)} ms (median of ${w.runs.length} cold loads; LCP ${fmt(w.lcpMs)} ms)${w.note ? `; ${w.note}` : ''}` })
    }
  }
  return rows
}

const HEAD = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'MB/s', 'baseline req/s', 'ratio', 'budget', 'result', 'notes']
const cells = row => [row.scenario, fmt(row.rps, row.rps < 100 ? 1 : 0), fmt(row.p50), fmt(row.p99), fmt(row.errors), fmt(row.mbps, 1), fmt(row.baseline, 0), pct(row.ratio), row.budget ?? '', row.result ?? '', row.notes ?? '']

function markdownTable(rows) {
  const lines = [`| ${HEAD.join(' | ')} |`, `|${HEAD.map(() => '---').join('|')}|`]
  for (const row of rows) lines.push(`| ${cells(row).map(c => String(c).replaceAll('|', '\\|')).join(' | ')} |`)
  return lines.join('\n')
}

function textTable(rows) {
  const data = [HEAD, ...rows.map(cells)].map(r => r.map(String))
  const widths = HEAD.map((_, i) => Math.max(...data.map(r => (i === HEAD.length - 1 ? 0 : r[i].length))))
  return data.map(r => r.map((c, i) => (i === HEAD.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n')
}

function gitInfo() {
  try {
    const run = args => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim()
    const commit = run(['rev-parse', '--short', 'HEAD'])
    const dirty = run(['status', '--porcelain', '--untracked-files=no']).split('\n').filter(l => l && !/ (bench\/|docs\/PERFORMANCE\.md)/.test(l)).length
    return `${commit}${dirty ? ` + uncommitted changes in ${dirty} tracked file(s) of the shared work tree` : ''}`
  }
  catch {
    return 'unknown'
  }
}

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8')
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown'
  const cores = (cpuinfo.match(/^processor\s*:/gm) ?? []).length || cpus().length
  const mem = /^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]
  return { model, cores, memGiB: mem ? (Number(mem) / 1048576).toFixed(0) : '?', node: process.version }
}

async function mariadbVersion() {
  try { return (await adminQuery('SELECT VERSION() AS v'))[0].v }
  catch { return 'unknown' }
}

/** Replaces the text between `<!-- bench:<name>:begin -->` and `…:end -->` in the document (or appends the block). */
function replaceBlock(doc, name, text) {
  const begin = `<!-- bench:${name}:begin -->`
  const end = `<!-- bench:${name}:end -->`
  const block = `${begin}\n${text}\n${end}`
  if (doc.includes(begin) && doc.includes(end)) return doc.slice(0, doc.indexOf(begin)) + block + doc.slice(doc.indexOf(end) + end.length)
  return `${doc}\n${block}\n`
}

/** The organize section's block (docs/PERFORMANCE.md "Organize: filters, album page, batch"), when those scenarios ran. */
function organizeBlock(info) {
  if (!results.organize && !results.batch && !results.plans) return undefined
  return organizeMarkdown({ ...info, seed: seedInfo.organize, organize: results.organize, batch: results.batch, plans: results.plans, quick: QUICK })
}

function writeDoc(rows, info) {
  let doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '# Performance\n'
  const organize = organizeBlock(info)
  if (organize) doc = replaceBlock(doc, 'organize', organize)
  // A run of the organize scenarios alone leaves the main table as it was.
  if (rows.length) doc = writeMainBlock(doc, rows, info)
  mkdirSync(join(ROOT, 'docs'), { recursive: true })
  writeFileSync(DOC, doc)
  log('wrote', DOC)
}

function writeMainBlock(doc, rows, info) {
  const table = markdownTable(rows)
  const begin = '<!-- bench:results:begin -->'
  const end = '<!-- bench:results:end -->'
  const block = [
    begin,
    `Last full run: **${info.date}** on commit ${info.git} — Node ${info.machine.node}, ${info.machine.model}, ${info.machine.cores} cores, ${info.machine.memGiB} GiB RAM, MariaDB ${info.mariadb}; `
    + `${DURATION_S} s per scenario after a ${WARMUP_S} s warm-up; seeded ${info.seed.users} users and ${info.seed.bigImages} images for the big user through the API `
    + `(${info.seed.bigSeconds ? `${info.seed.bigSeconds.toFixed(0)} s, ${(info.seed.bigImages / info.seed.bigSeconds).toFixed(1)} uploads/s at concurrency 4` : 'not timed'}), ${info.seed.webImages} for the web user.`,
    '',
    table,
    '',
    `Server RSS along the run (MiB): ${(info.rssTrail ?? []).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    `Answers compared before measuring: ${info.checks ? 'the baseline\'s list and me answers are byte-identical to the app\'s (the run stops otherwise)' : 'n/a'}; list page ${info.checks?.listBytes ?? '?'} bytes of JSON.`,
    end,
  ].join('\n')
  if (doc.includes(begin) && doc.includes(end)) return doc.slice(0, doc.indexOf(begin)) + block + doc.slice(doc.indexOf(end) + end.length)
  return `${doc}\n${block}\n`
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const info = { date: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC', machine: machine(), mariadb: await mariadbVersion(), git: gitInfo() }
  await build()
  uploadFolder = await mkdtemp(join(tmpdir(), 'gallery-bench-'))
  const folder = uploadFolder
  // registered first, so they run last: after the server and the baseline have stopped
  onCleanup(async () => { await rm(folder, { recursive: true, force: true }) })
  onCleanup(async () => {
    await adminQuery(`DROP DATABASE IF EXISTS \`${dbName}\``)
    log(`dropped database ${dbName}`)
  })
  log(`database ${dbName}, upload folder ${folder}`)

  await startServer()
  await sleep(1000)
  rssTrail.push(['started', Math.round(rssMb(server.pid))])
  await seed()
  rssTrail.push(['seeded', Math.round(rssMb(server.pid))])
  if (!WEB_ONLY) await scenarios()
  if (WEB) {
    log('web: loading / in Chromium as the user with 200 images')
    if (CPU_PROF) {
      await server.stop()
      await startServer()
    }
    const token = await login(webUser.username)
    results.web = await measureWeb({ base: serverBase, token })
    const w = results.web
    if (w.ok) log(`web: JS files, largest first (KB gzip): ${w.files.filter(f => f.kind === 'js').sort((a, b) => b.gzip - a.gzip).map(f => `${f.url} ${(f.gzip / 1000).toFixed(1)}`).join(', ')}`)
    log(w.ok ? `web: JS ${(w.js.gzip / 1000).toFixed(1)} KB gzip (${w.js.count} files), CSS ${(w.css.gzip / 1000).toFixed(1)} KB gzip, first thumbnail ${fmt(w.firstThumbMs)} ms, LCP ${fmt(w.lcpMs)} ms${w.note ? `; ${w.note}` : ''}` : `web: n/a (${w.note})`)
  }

  const rows = buildRows()
  if (rows.length) console.log('\n' + textTable(rows) + '\n')
  const organize = organizeBlock(info)
  // (the query plans are long: they go to the document and bench/.tmp/last-run.json)
  if (organize) console.log('\n' + organize.split('\nQuery plans:')[0] + '\n')
  info.seed = seedInfo
  info.checks = results.checks
  info.rssTrail = rssTrail
  log('server RSS along the run (MiB):', rssTrail.map(([k, v]) => `${k} ${v}`).join(', '))
  writeFileSync(join(TMP, 'last-run.json'), JSON.stringify({ info, options: { QUICK, WEB, ONLY: ONLY && [...ONLY], CPU_PROF }, rows, results: stripRaw(results) }, null, 2))
  if (WRITE_DOC) writeDoc(rows, info)
  return rows
}

function stripRaw(value) {
  return JSON.parse(JSON.stringify(value, (key, v) => (key === 'raw' && v && typeof v === 'object' ? undefined : v)))
}

let exitCode = 0
try {
  await main()
}
catch (error) {
  log('failed:', error?.stack ?? error)
  exitCode = 1
}
finally {
  await server?.stop().catch(() => {})
  await cleanupAll()
  clearTimeout(watchdog)
}
if (CPU_PROF && existsSync(join(TMP, 'profiles'))) log('CPU profiles in bench/.tmp/profiles (node bench/profile-top.mjs <file>)')
process.exit(exitCode)
