import { drizzle, type MySql2Database } from 'drizzle-orm/mysql2'
import mysql from 'mysql2/promise'
import { useConfig } from '../config'
import * as schema from './schema'

export const tables = schema

type Db = MySql2Database<typeof schema>

let pool: mysql.Pool | undefined
let boundedPool: mysql.Pool | undefined
let db: Db | undefined

/** What the error handler reads as "database unreachable" (isDatabaseDown → 503), never shown to clients. */
class DatabaseTimeout extends Error {
  readonly code = 'DB_TIMEOUT'
  constructor(what: string) {
    super(`database did not answer in time (${what})`)
  }
}

/**
 * Settles like `work`, or rejects with DB_TIMEOUT at the deadline and calls `abandon`, which must
 * make sure whatever `work` still holds (a connection) is never used again.
 */
function byDeadline<T>(work: Promise<T>, deadline: number, what: string, abandon: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      abandon()
      reject(new DatabaseTimeout(what))
    }, Math.max(0, deadline - Date.now()))
    work.then(
      (value) => { clearTimeout(timer); resolve(value) },
      (error: unknown) => { clearTimeout(timer); reject(error) },
    )
  })
}

/**
 * A connection that does not answer in time is destroyed, not released: its protocol state is
 * unknown (the reply may still arrive), so reusing it would hand the next query someone else's
 * answer or the same wait. mysql2's own per-query `timeout` is no substitute: it rejects the
 * promise but leaves the command queued on the connection, which the pool never gets back.
 */
function boundedQuery<T>(conn: mysql.PoolConnection, call: () => Promise<T>, deadline: number): Promise<T> {
  return byDeadline(call(), deadline, 'query', () => conn.destroy())
}

type QueryMethods = Pick<mysql.PoolConnection, 'query' | 'execute'>

/** `target` with `query` and `execute` replaced by `run(name, args)`; everything else passes through. */
function overrideQueries<T extends QueryMethods>(target: T, run: (method: keyof QueryMethods, args: unknown[]) => Promise<unknown>, extra: Record<string, unknown> = {}): T {
  const replaced: Record<string, unknown> = {
    query: (...args: unknown[]) => run('query', args),
    execute: (...args: unknown[]) => run('execute', args),
    ...extra,
  }
  return new Proxy(target, {
    get(object, property, receiver) {
      if (typeof property === 'string' && property in replaced) return replaced[property]
      const value: unknown = Reflect.get(object, property, receiver)
      // mysql2's classes read their own fields through `this`; calling them on the target keeps that working.
      return typeof value === 'function' ? value.bind(object) : value
    },
  })
}

/** Calls mysql2's own `query`/`execute` of a connection with the arguments drizzle gave. */
const callOn = (conn: mysql.PoolConnection, method: keyof QueryMethods, args: unknown[]): Promise<unknown> =>
  Reflect.apply(conn[method], conn, args)

/**
 * A free connection by the deadline. mysql2 has no acquire timeout: a request queued behind ten
 * connections stuck on a frozen server would wait as long as they do. One that arrives after we
 * gave up goes straight back to the pool (it is healthy: a fresh one or one a finished query released).
 */
function acquire(raw: mysql.Pool, deadline: number): Promise<mysql.PoolConnection> {
  const acquiring = raw.getConnection()
  return byDeadline(acquiring, deadline, 'waiting for a connection', () => {
    acquiring.then(conn => conn.release(), () => { /* a failed connect is already handled by the pool */ })
  })
}

/** mysql2's callback pool and connection under the promise wrappers, as far as a single query needs them. */
type Callback = (error: Error | null, rows?: unknown, fields?: unknown) => void
interface CoreConnection {
  release(): void
  destroy(): void
  query(...args: unknown[]): unknown
  execute(...args: unknown[]): unknown
}
interface CorePool { getConnection(callback: (error: Error | null, conn: CoreConnection) => void): void }

/**
 * The deadlines of the single queries in flight, checked by one timer every 100 ms instead of a
 * timer per query: the list, the hot path, sends two queries a request (docs/PERFORMANCE.md).
 */
const deadlines = new Map<symbol, { at: number, expire: () => void }>()
let watchdog: ReturnType<typeof setInterval> | undefined

function expireOverdue(): void {
  const now = Date.now()
  for (const [key, entry] of deadlines) {
    if (entry.at > now) continue
    deadlines.delete(key)
    entry.expire()
  }
  if (!deadlines.size && watchdog) {
    clearInterval(watchdog)
    watchdog = undefined
  }
}

function watch(at: number, expire: () => void): symbol {
  const key = Symbol('query')
  deadlines.set(key, { at, expire })
  watchdog ??= setInterval(expireOverdue, 100).unref()
  return key
}

/**
 * One query outside a transaction on mysql2's callback pool, answered like its promise API
 * (`[rows, fields]`), within the deadline counted from the call, including the wait for a connection.
 * A connection that arrives after the deadline goes back to the pool; one whose query is late is
 * destroyed (see boundedQuery).
 */
function poolQuery(core: CorePool, method: keyof QueryMethods, args: unknown[], timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let conn: CoreConnection | undefined
    let settled = false
    const key = watch(Date.now() + timeoutMs, () => {
      settled = true
      conn?.destroy()
      reject(new DatabaseTimeout(conn ? 'query' : 'waiting for a connection'))
    })
    core.getConnection((error, acquired) => {
      if (settled) {
        if (!error) acquired.release()
        return
      }
      if (error) {
        settled = true
        deadlines.delete(key)
        reject(error)
        return
      }
      conn = acquired
      const done: Callback = (queryError, rows, fields) => {
        if (settled) return
        settled = true
        deadlines.delete(key)
        acquired.release()
        if (queryError) reject(queryError)
        else resolve([rows, fields])
      }
      acquired[method](...args, done)
    })
  })
}

/**
 * The pool drizzle talks to: every call answers or fails within `dbTimeoutMs` (SPEC §11), counted
 * from the call, including the wait for a connection; connections lent out for a transaction get
 * the same bound on each of their queries. A destroyed connection's `release()` is a no-op in
 * mysql2 (it has left the pool), so the `finally` needs no flag.
 */
function bound(raw: mysql.Pool): mysql.Pool {
  const { dbTimeoutMs } = useConfig()
  // The promise pool's callback pool (mysql2 names it `pool`): single queries skip a promise layer.
  const core = (raw as unknown as { pool: CorePool }).pool
  const boundConnection = (conn: mysql.PoolConnection) =>
    overrideQueries(conn, (method, args) => boundedQuery(conn, () => callOn(conn, method, args), Date.now() + dbTimeoutMs))
  return overrideQueries(raw, (method, args) => poolQuery(core, method, args, dbTimeoutMs), {
    getConnection: async () => boundConnection(await acquire(raw, Date.now() + dbTimeoutMs)),
  })
}

/**
 * The one mysql2 pool of this process, without time bounds: for migrations only, whose schema
 * changes may rightly run longer than a request waits (cutting one off midway would leave it
 * applied but unrecorded). Everything else goes through `useDb()`.
 */
export function usePool(): mysql.Pool {
  if (!pool) {
    const { db: settings, dbTimeoutMs } = useConfig()
    pool = mysql.createPool({
      ...settings,
      connectionLimit: 10,
      // Covers TCP connect and the handshake: a frozen server still accepts connections in the kernel.
      connectTimeout: dbTimeoutMs,
      enableKeepAlive: true,
      charset: 'utf8mb4_unicode_ci',
      timezone: 'Z',
      dateStrings: false,
      // mysql2 otherwise captures a stack trace for every query, a few % of the list's CPU
      // (docs/PERFORMANCE.md); a query error still carries its code and message.
      trace: false,
    })
    // A pool keeps working after the database comes back; idle-connection errors must not crash the process.
    pool.on('connection', conn => conn.on('error', () => {}))
  }
  return pool
}

/** Drizzle over the shared pool; every query it sends is bounded by `DB_TIMEOUT_MS` (a timeout answers 503). */
export function useDb(): Db {
  boundedPool ??= bound(usePool())
  db ??= drizzle(boundedPool, { schema, mode: 'default' })
  return db
}

/** Creates the configured database when it does not exist (development convenience; harmless in production). */
export async function ensureDatabase(): Promise<void> {
  const { db: settings, dbTimeoutMs } = useConfig()
  const conn = await mysql.createConnection({ host: settings.host, port: settings.port, user: settings.user, password: settings.password, connectTimeout: dbTimeoutMs })
  const create = conn.query(`CREATE DATABASE IF NOT EXISTS \`${settings.database.replaceAll('`', '``')}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  try {
    // Start-up waits for this, and every request waits for start-up.
    await byDeadline(create, Date.now() + dbTimeoutMs, 'create database', () => conn.destroy())
  }
  finally {
    // After destroy() mysql2 answers end() at once instead of queueing a QUIT behind the stuck query.
    await conn.end().catch(() => {})
  }
}

/** InnoDB chose the transaction as a deadlock victim and rolled it back (drizzle wraps mysql2's error as `cause`). */
function isDeadlock(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === 'ER_LOCK_DEADLOCK') return true
  }
  return false
}

/**
 * Runs a transaction again (up to `tries` times in all) when InnoDB picked it as a deadlock victim:
 * it was rolled back whole, so rerunning it is safe. Any other error is thrown at once.
 */
export async function retryOnDeadlock<T>(transaction: () => Promise<T>, tries = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction()
    }
    catch (error) {
      if (attempt >= tries || !isDeadlock(error)) throw error
    }
  }
}
