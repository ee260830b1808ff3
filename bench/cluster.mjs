// One process or several per machine (issue 18): the authenticated list route served by
//   1. one production server process (the default `node-server` build, `npm start`);
//   2. the same build run as N processes on N ports, autocannon spreading its connections over them
//      (what a process manager or a load balancer in front of N instances does);
//   3. a `NITRO_PRESET=node-cluster` build: node:cluster forks NITRO_CLUSTER_WORKERS workers on one port.
// All against one MariaDB database, seeded through the API.
//
//   node bench/cluster.mjs [--quick] [--workers=2] [--rounds=3] [--no-build] [--write]
//
// --write puts the table between the `cluster` markers of docs/PERFORMANCE.md.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import {
  adminQuery, cannon, cleanupAll, cpuMeter, freePort, log, multipartBody, onCleanup, pool, postJson, PRODUCTION_NODE_FLAGS, productionServerEnv,
  randomDbName, sleep, startProcess, uniqueImage, upload, waitFor200,
} from './lib.mjs'
import { photoJpeg } from './images.mjs'

const ROOT = resolve(import.meta.dirname, '..')
const TMP = join(ROOT, 'bench/.tmp')
const argv = process.argv.slice(2)
const flag = name => argv.includes(`--${name}`)
const option = (name, fallback) => argv.find(a => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback
const QUICK = flag('quick')
const WORKERS = Number(option('workers', String(cpus().length)))
const DURATION_S = QUICK ? 4 : 10
const WARMUP_S = QUICK ? 1 : 2
const CONNECTIONS = 32
const ROUNDS = Number(option('rounds', QUICK ? '1' : '3'))
const IMAGES = 60
const DOC = join(ROOT, 'docs/PERFORMANCE.md')
const BUILDS = {
  'node-server': join(TMP, 'cluster-build/node-server'),
  'node-cluster': join(TMP, 'cluster-build/node-cluster'),
}

const watchdog = setTimeout(() => {
  log('watchdog: the cluster bench took longer than 30 min; stopping')
  cleanupAll().finally(() => process.exit(124))
}, 30 * 60 * 1000)

async function build(preset, dir) {
  if (flag('no-build') && existsSync(join(dir, 'output/server/index.mjs'))) return
  log(`building the ${preset} server into ${dir}`)
  const child = spawn(process.execPath, [join(ROOT, 'bench/build.mjs'), ROOT, dir], { cwd: ROOT, env: { ...process.env, NITRO_PRESET: preset }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (d) => { output += d })
  child.stderr.on('data', (d) => { output += d })
  const code = await new Promise(r => child.on('exit', r))
  if (code !== 0) throw new Error(`${preset} build failed:\n${output.slice(-3000)}`)
}

const dbName = randomDbName()
const secret = randomBytes(48).toString('base64url')
let uploadFolder

async function startServers(preset, count, extraEnv = {}) {
  const servers = []
  for (let i = 0; i < count; i++) {
    const port = await freePort()
    const proc = startProcess(`${preset}#${i}`, [...PRODUCTION_NODE_FLAGS, join(BUILDS[preset], 'output/server/index.mjs')], {
      env: { ...productionServerEnv(port, { jwtSecret: secret }), DB_NAME: dbName, UPLOAD_FOLDER: uploadFolder, LOG_LEVEL: 'warn', ...extraEnv },
      logFile: join(TMP, 'cluster-server.log'),
    })
    servers.push({ proc, base: `http://127.0.0.1:${port}` })
  }
  await Promise.all(servers.map(({ proc, base }) => waitFor200(`${base}/api/health`, proc)))
  return servers
}

/** Every pid of a process tree (the cluster primary and its workers). */
function treePids(pid) {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  return [pid, ...children.flatMap(treePids)]
}

async function measure(name, servers, token) {
  const urls = servers.map(({ base }) => `${base}/api/images?limit=50`)
  const headers = { authorization: `Bearer ${token}` }
  await cannon({ url: urls.length === 1 ? urls[0] : urls, connections: CONNECTIONS, duration: WARMUP_S, headers })
  const pids = servers.flatMap(({ proc }) => treePids(proc.pid))
  const meter = cpuMeter(Object.fromEntries(pids.map((pid, i) => [`server${i}`, pid])))
  const result = await cannon({ url: urls.length === 1 ? urls[0] : urls, connections: CONNECTIONS, duration: DURATION_S, headers })
  const used = meter.stop()
  const cpu = { server: pids.reduce((n, _, i) => n + (used[`server${i}`] ?? 0), 0), db: used.db ?? 0, bench: used.bench ?? 0, other: used.other ?? 0 }
  log(`${name}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, errors ${result.errors}`)
  return { name, ...result, cpu }
}

try {
  mkdirSync(TMP, { recursive: true })
  writeFileSync(join(TMP, 'cluster-server.log'), '')
  await build('node-server', BUILDS['node-server'])
  await build('node-cluster', BUILDS['node-cluster'])
  uploadFolder = await mkdtemp(join(tmpdir(), 'gallery-cluster-'))
  onCleanup(() => rm(uploadFolder, { recursive: true, force: true }))
  onCleanup(() => adminQuery(`DROP DATABASE IF EXISTS \`${dbName}\``))

  // Seed through one server: a user with IMAGES photos (the list answers 50 of them).
  const [seeder] = await startServers('node-server', 1)
  const username = `bench_${randomBytes(4).toString('hex')}`
  await postJson(seeder.base, '/api/register', { username, password: 'bench-password-0123' })
  const { json } = await postJson(seeder.base, '/api/login', { username, password: 'bench-password-0123' })
  const token = json.token
  const photo = await photoJpeg(800, 600)
  await pool(IMAGES, 4, i => upload(seeder.base, token, multipartBody(uniqueImage(photo, `c${i}`), `p${i}.jpg`, 'image/jpeg')))
  await seeder.proc.stop()

  // The setups take turns, ROUNDS times; each row is the round with the median rate (this machine is
  // shared, so one round alone says little).
  const setups = [
    ['one process (node-server)', () => startServers('node-server', 1)],
    [`${WORKERS} processes, ${WORKERS} ports`, () => startServers('node-server', WORKERS)],
    [`node-cluster, ${WORKERS} workers`, () => startServers('node-cluster', 1, { NITRO_CLUSTER_WORKERS: String(WORKERS) })],
  ]
  const runs = setups.map(() => [])
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, [name, start]] of setups.entries()) {
      const servers = await start()
      await sleep(500)
      runs[i].push(await measure(name, servers, token))
      await Promise.all(servers.map(s => s.proc.stop()))
    }
  }
  const rows = runs.map(list => [...list].sort((x, y) => x.rps - y.rps)[list.length >> 1])

  const one = rows[0].rps
  const table = [
    `| setup | req/s | × one process | p50 ms | p99 ms | errors | CPU % server / MariaDB / autocannon / rest of machine |`,
    `|---|---:|---:|---:|---:|---:|---|`,
    ...rows.map(r => `| ${r.name} | ${r.rps.toFixed(0)} | ${(r.rps / one).toFixed(2)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.cpu.server} / ${r.cpu.db} / ${r.cpu.bench} / ${r.cpu.other} |`),
  ].join('\n')
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  const text = `${table}\n\n${cpus().length} cores, GET /api/images?limit=50 (${IMAGES} photos, bearer token), ${CONNECTIONS} connections, ${DURATION_S} s after ${WARMUP_S} s warm-up, median of ${ROUNDS} alternating rounds; load average at the end: ${load}. Command: \`node bench/cluster.mjs${QUICK ? ' --quick' : ''}\`.`
  console.log(text)
  if (flag('write')) {
    const doc = readFileSync(DOC, 'utf8')
    const start = '<!-- cluster:start -->'
    const end = '<!-- cluster:end -->'
    if (doc.includes(start) && doc.includes(end)) {
      writeFileSync(DOC, doc.slice(0, doc.indexOf(start) + start.length) + '\n' + text + '\n' + doc.slice(doc.indexOf(end)))
      log('wrote docs/PERFORMANCE.md (cluster section)')
    }
    else log('docs/PERFORMANCE.md has no cluster markers; not written')
  }
}
finally {
  clearTimeout(watchdog)
  await cleanupAll()
}
