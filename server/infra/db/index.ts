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

/**
 * The pool drizzle talks to: every call answers or fails within `dbTimeoutMs` (SPEC §11), counted
 * from the call, including the wait for a connection; connections lent out for a transaction get
 * the same bound on each of their queries. A destroyed connection's `release()` is a no-op in
 * mysql2 (it has left the pool), so the `finally` needs no flag.
 */
function bound(raw: mysql.Pool): mysql.Pool {
  const { dbTimeoutMs } = useConfig()
  const boundConnection = (conn: mysql.PoolConnection) =>
    overrideQueries(conn, (method, args) => boundedQuery(conn, () => callOn(conn, method, args), Date.now() + dbTimeoutMs))
  return overrideQueries(raw, async (method, args) => {
    const deadline = Date.now() + dbTimeoutMs
    const conn = await acquire(raw, deadline)
    try {
      return await boundedQuery(conn, () => callOn(conn, method, args), deadline)
    }
    finally {
      conn.release()
    }
  }, {
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
