// Helpers shared by the benchmark scripts: processes, ports, the database, multipart bodies,
// autocannon runs and RSS sampling. Everything started here is registered for clean-up.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { crc32 } from 'node:zlib'
import autocannon from 'autocannon'
import mysql from 'mysql2/promise'

export { sleep }

export const dbSettings = () => ({
  host: process.env.DB_HOST ?? '127.0.0.1',
  port: Number(process.env.DB_PORT ?? 3306),
  user: process.env.DB_USER ?? 'root',
  password: process.env.DB_PASSWORD ?? '',
})

export const log = (...args) => console.error('[bench]', ...args)

/**
 * How `npm start` runs the production server (package.json): a smaller V8 young generation and two
 * malloc arenas keep RSS down after sustained load (docs/PERFORMANCE.md). The benchmarks run it the same way.
 */
export const PRODUCTION_NODE_FLAGS = ['--max-semi-space-size=16']
export const PRODUCTION_ENV = { MALLOC_ARENA_MAX: '2' }

/**
 * The environment of a production server on a loopback port: the start flags' malloc setting, random
 * secrets, and the PUBLIC_URL production requires (server/infra/config.ts refuses to start without).
 */
export function productionServerEnv(port, { jwtSecret = randomBytes(48).toString('base64url') } = {}) {
  return {
    ...PRODUCTION_ENV,
    NODE_ENV: 'production',
    JWT_SECRET_KEY: jwtSecret,
    SECRET_KEY: randomBytes(48).toString('base64url'),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    PORT: String(port),
    NITRO_PORT: String(port),
    HOST: '127.0.0.1',
    NITRO_HOST: '127.0.0.1',
  }
}

// ---------------------------------------------------------------------------------------------
// Clean-up: every child process, database and folder is registered here and removed on exit,
// on failure and on Ctrl-C.

const cleanups = []
let cleaning

/** Registers an async clean-up step; steps run in reverse order. */
export function onCleanup(fn) {
  cleanups.push(fn)
  return fn
}

export async function cleanupAll() {
  cleaning ??= (async () => {
    while (cleanups.length) {
      const fn = cleanups.pop()
      try { await fn() }
      catch (error) { log('clean-up step failed:', error?.message ?? error) }
    }
  })()
  return cleaning
}

let signalled = false
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (signalled) return
    signalled = true
    log(`${signal}: stopping and cleaning up`)
    cleanupAll().finally(() => process.exit(130))
  })
}

// ---------------------------------------------------------------------------------------------
// Processes

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/**
 * Spawns a node process; its output goes to `logFile` (append). Returns { child, pid, stop }.
 * stop() sends SIGTERM, waits up to `graceMs`, then SIGKILL; it is also registered for clean-up.
 */
export function startProcess(name, args, { env = {}, cwd, logFile, graceMs = 8000 } = {}) {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines = []
  const keep = (chunk) => {
    const text = chunk.toString()
    lines.push(text)
    if (lines.length > 400) lines.shift()
    if (logFile) {
      try { writeFileSync(logFile, text, { flag: 'a' }) }
      catch { /* best effort */ }
    }
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  let exited = false
  const exitPromise = new Promise(resolve => child.on('exit', (code, signal) => {
    exited = true
    resolve({ code, signal })
  }))
  const stop = async () => {
    if (exited) return exitPromise
    child.kill('SIGTERM')
    const timer = setTimeout(() => { if (!exited) child.kill('SIGKILL') }, graceMs)
    const result = await exitPromise
    clearTimeout(timer)
    return result
  }
  const unregister = onCleanup(stop)
  return {
    name,
    child,
    pid: child.pid,
    output: () => lines.join(''),
    exited: exitPromise,
    isRunning: () => !exited,
    stop: async () => {
      const index = cleanups.indexOf(unregister)
      if (index >= 0) cleanups.splice(index, 1)
      return stop()
    },
  }
}

/** Polls `url` until it answers 200 (or the process dies, or `timeoutMs` passes). */
export async function waitFor200(url, proc, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (proc && !proc.isRunning()) throw new Error(`${proc.name} exited before it was ready:\n${proc.output().slice(-3000)}`)
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) })
      await res.arrayBuffer()
      if (res.status === 200) return
    }
    catch { /* not listening yet */ }
    await sleep(200)
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms${proc ? `:\n${proc.output().slice(-3000)}` : ''}`)
}

// ---------------------------------------------------------------------------------------------
// Database

export async function adminQuery(sql, params) {
  const conn = await mysql.createConnection(dbSettings())
  try { return (await conn.query(sql, params))[0] }
  finally { await conn.end() }
}

/** Images whose thumbnail the server has still to make (the background queue), of one user or of all. */
export async function pendingThumbnails(dbName, userId) {
  const where = userId === undefined ? '' : ' AND user_id = ?'
  return Number((await adminQuery(`SELECT COUNT(*) AS n FROM \`${dbName}\`.images WHERE variants_pending = 1${where}`, userId === undefined ? [] : [userId]))[0].n)
}

/** Waits (at most `timeoutMs`) until no thumbnail is pending; resolves with how many still are. */
export async function thumbnailsDone(dbName, { userId, timeoutMs = 300_000, pollMs = 100 } = {}) {
  const end = Date.now() + timeoutMs
  for (;;) {
    const left = await pendingThumbnails(dbName, userId)
    if (!left || Date.now() >= end) return left
    await sleep(pollMs)
  }
}

export const randomDbName = () => `gallery_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`

// ---------------------------------------------------------------------------------------------
// HTTP helpers

/**
 * The same image with different bytes: the app answers 409 DUPLICATE_IMAGE to bytes a user already
 * uploaded, so every upload of the bench carries a tag of its own — a JPEG comment (COM) segment
 * after SOI, or a PNG tEXt chunk after IHDR. Pixels and decoding cost are unchanged.
 */
export function uniqueImage(bytes, tag) {
  const text = Buffer.from(`gallery-bench ${tag} ${randomBytes(6).toString('hex')}`, 'latin1')
  if (bytes[0] === 0xFF && bytes[1] === 0xD8) {
    const segment = Buffer.alloc(4)
    segment.writeUInt16BE(0xFFFE, 0)
    segment.writeUInt16BE(text.length + 2, 2)
    return Buffer.concat([bytes.subarray(0, 2), segment, text, bytes.subarray(2)])
  }
  const ihdrEnd = 8 + 8 + 13 + 4 // signature, IHDR length+type, IHDR data, CRC
  const data = Buffer.concat([Buffer.from('Comment\0', 'latin1'), text])
  const chunk = Buffer.alloc(8)
  chunk.writeUInt32BE(data.length, 0)
  chunk.write('tEXt', 4, 'latin1')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([chunk.subarray(4), data])))
  return Buffer.concat([bytes.subarray(0, ihdrEnd), chunk, data, crc, bytes.subarray(ihdrEnd)])
}

/** A multipart/form-data body with one `file` field, built once, with a fixed boundary. */
export function multipartBody(bytes, filename, contentType) {
  const boundary = '----GalleryBenchBoundary7MA4YWxkTrZu0gW'
  const head = Buffer.from(
    `--${boundary}\r\n`
    + `Content-Disposition: form-data; name="file"; filename="${filename}"\r\n`
    + `Content-Type: ${contentType}\r\n\r\n`,
  )
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
  const body = Buffer.concat([head, bytes, tail])
  return { body, contentType: `multipart/form-data; boundary=${boundary}`, fileBytes: bytes.length }
}

export async function postJson(base, path, body, headers = {}) {
  const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
  const text = await res.text()
  let json
  try { json = JSON.parse(text) }
  catch { json = undefined }
  return { status: res.status, json, text, headers: res.headers }
}

export async function upload(base, token, multipart) {
  const res = await fetch(base + '/api/images/upload', {
    method: 'POST',
    headers: { 'authorization': `Bearer ${token}`, 'content-type': multipart.contentType },
    body: multipart.body,
  })
  const text = await res.text()
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${text.slice(0, 300)}`)
  return JSON.parse(text).image
}

/** Runs `fn(i)` for i in [0, count) with at most `concurrency` at once. */
export async function pool(count, concurrency, fn) {
  let next = 0
  const results = new Array(count)
  const worker = async () => {
    while (next < count) {
      const i = next++
      results[i] = await fn(i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  return results
}

// ---------------------------------------------------------------------------------------------
// Load

/**
 * One autocannon run. Returns the fields the report uses:
 * rps (completed / duration), p50/p99 latency (ms), errors (4xx + 5xx + socket errors and timeouts),
 * statuses, bytes/s of responses, and the raw result.
 */
export async function cannon(options) {
  const result = await new Promise((resolve, reject) => {
    const instance = autocannon({ timeout: 30, ...options }, (error, res) => (error ? reject(error) : resolve(res)))
    options.onInstance?.(instance)
  })
  return summarize(result)
}

export function summarize(result) {
  const statuses = result.statusCodeStats ?? {}
  const count = prefix => Object.entries(statuses).filter(([code]) => code.startsWith(prefix)).reduce((n, [, v]) => n + v.count, 0)
  const completed = Object.values(statuses).reduce((n, v) => n + v.count, 0)
  const duration = result.duration || 1
  return {
    rps: completed / duration,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: count('4') + count('5') + result.errors,
    socketErrors: result.errors,
    timeouts: result.timeouts,
    status2xx: count('2'),
    status3xx: count('3'),
    statuses: Object.fromEntries(Object.entries(statuses).map(([code, v]) => [code, v.count])),
    completed,
    duration,
    bytesPerSec: (result.throughput?.total ?? result.totalBytes ?? 0) / duration,
    raw: result,
  }
}

// ---------------------------------------------------------------------------------------------
// Memory

function readStatusKb(pid, field) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)
  return match ? Number(match[1]) : undefined
}

export const rssMb = pid => (readStatusKb(pid, 'VmRSS') ?? 0) / 1024
export const hwmMb = pid => (readStatusKb(pid, 'VmHWM') ?? 0) / 1024

/** Resets the kernel's peak-RSS counter (VmHWM) of a process; false when the kernel refuses. */
export function resetHwm(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
    return true
  }
  catch {
    return false
  }
}

/** Samples VmRSS every `intervalMs`; stop() returns { peakMb, samples }. */
export function sampleRss(pid, intervalMs = 50) {
  let peak = 0
  let samples = 0
  const timer = setInterval(() => {
    try {
      const mb = rssMb(pid)
      samples++
      if (mb > peak) peak = mb
    }
    catch { /* process gone */ }
  }, intervalMs)
  return {
    stop: () => {
      clearInterval(timer)
      return { peakMb: peak, samples }
    },
  }
}

// ---------------------------------------------------------------------------------------------
// CPU accounting: who used the 2 cores during a measurement (server, database, load generator,
// baseline, and everything else on this shared machine).

const TICK = 100 // USER_HZ

function procTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return Number(fields[11]) + Number(fields[12]) // utime + stime (own threads included)
  }
  catch {
    return 0
  }
}

function machineBusyTicks() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
  const idle = line[3] + (line[4] ?? 0)
  return line.slice(0, 8).reduce((a, b) => a + b, 0) - idle
}

let mariadbPid
function findMariadb() {
  if (mariadbPid !== undefined) return mariadbPid
  mariadbPid = null
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'mariadbd' || readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'mysqld') {
        mariadbPid = Number(entry)
        break
      }
    }
    catch { /* gone */ }
  }
  return mariadbPid
}

/** Starts CPU accounting for the named pids (+ this process and MariaDB); stop() returns % of one core each. */
export function cpuMeter(pids) {
  const all = { bench: process.pid, db: findMariadb(), ...pids }
  const start = Object.fromEntries(Object.entries(all).filter(([, pid]) => pid).map(([name, pid]) => [name, procTicks(pid)]))
  const busy0 = machineBusyTicks()
  const t0 = performance.now()
  return {
    stop() {
      const seconds = (performance.now() - t0) / 1000
      const out = {}
      let ours = 0
      for (const [name, ticks] of Object.entries(start)) {
        const used = procTicks(all[name]) - ticks
        ours += used
        out[name] = Math.round(used / TICK / seconds * 100)
      }
      out.other = Math.max(0, Math.round(((machineBusyTicks() - busy0) - ours) / TICK / seconds * 100))
      return out
    },
  }
}
