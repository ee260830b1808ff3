import { createHash, randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import bcrypt from 'bcryptjs'

export const BCRYPT_COST = 10

/** Stored-value prefix for passwords pre-hashed with SHA-256 before bcrypt (so no byte past 72 is ignored). */
const SCHEME = 'sha256-bcrypt$'

/** base64(SHA-256(password)): 44 ASCII bytes, well under bcrypt's 72-byte limit, never contains NUL. */
const prehash = (password: string) => createHash('sha256').update(password, 'utf8').digest('base64')

type HashJob = { op: 'hash', data: string, cost: number }
type CompareJob = { op: 'compare', data: string, hash: string }
type Job = HashJob | CompareJob

// bcryptjs is pure JavaScript: on the event loop it runs in 100 ms slices that every other request
// waits behind (list p99 > 1 s during a login flood in the benchmark). It runs in worker threads
// instead: one per core but one, so a flood of logins always leaves a core to the event loop (with a
// worker per core, list p99 under a login flood was 2.3× its quiet p99 on 2 cores; the budget is 2×).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const bcrypt = require(workerData.bcryptPath)
parentPort.on('message', ({ id, job }) => {
  try {
    const result = job.op === 'hash' ? bcrypt.hashSync(job.data, job.cost) : bcrypt.compareSync(job.data, job.hash)
    parentPort.postMessage({ id, result })
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message || error) })
  }
})`

// bcrypt needs a few kilobytes; without limits each worker's V8 heap sizes itself like a main thread's.
const WORKER_LIMITS = { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 }

interface PoolWorker { worker: Worker, busy: number }
let pool: PoolWorker[] | undefined
let nextId = 0
const pending = new Map<number, { resolve: (value: string | boolean) => void, reject: (error: Error) => void }>()

function startPool(): PoolWorker[] | undefined {
  try {
    // bcryptjs' CommonJS build; nuxt.config.ts makes the server build copy it into .output.
    const bcryptPath = createRequire(import.meta.url).resolve('bcryptjs')
    const size = Math.max(1, Math.min(4, availableParallelism() - 1))
    return Array.from({ length: size }, () => {
      const entry: PoolWorker = { worker: new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath }, resourceLimits: WORKER_LIMITS }), busy: 0 }
      entry.worker.unref()
      entry.worker.on('message', ({ id, result, error }) => {
        entry.busy--
        const job = pending.get(id)
        pending.delete(id)
        if (error) job?.reject(new Error(error))
        else job?.resolve(result)
      })
      entry.worker.on('error', (error) => {
        console.error('[gallery] password worker failed; hashing on the main thread from now on:', error.message)
        pool = []
        for (const job of pending.values()) job.reject(error)
        pending.clear()
      })
      return entry
    })
  }
  catch (error) {
    console.error('[gallery] password workers unavailable; hashing on the main thread:', error instanceof Error ? error.message : error)
    return []
  }
}

/** A hash (string) or a comparison (boolean), in a worker when the pool is up, else on the main thread. */
function run(job: HashJob): Promise<string>
function run(job: CompareJob): Promise<boolean>
function run(job: Job): Promise<string | boolean> {
  pool ??= startPool()
  if (!pool?.length) return job.op === 'hash' ? bcrypt.hash(job.data, job.cost) : bcrypt.compare(job.data, job.hash)
  const entry = pool.reduce((a, b) => (b.busy < a.busy ? b : a))
  const id = nextId++
  entry.busy++
  return new Promise<string | boolean>((resolve, reject) => {
    pending.set(id, { resolve, reject })
    entry.worker.postMessage({ id, job })
  })
}

/** Hashes a password for storage; the stored value names its scheme. */
export async function hashPassword(password: string): Promise<string> {
  return SCHEME + await run({ op: 'hash', data: prehash(password), cost: BCRYPT_COST })
}

/** Checks a password against a stored value: our scheme, or a plain bcrypt hash as the seed's Flask app stored. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (stored.startsWith(SCHEME)) return run({ op: 'compare', data: prehash(password), hash: stored.slice(SCHEME.length) })
  if (/^\$2[aby]\$\d\d\$/.test(stored)) return run({ op: 'compare', data: password, hash: stored })
  return false
}

let dummyHash: Promise<string> | undefined

/** Spends the same work as a real check, for unknown usernames (no timing oracle). */
export async function burnPasswordCheck(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'))
  await verifyPassword(password, await dummyHash)
  return false
}
