import { drizzle, type MySql2Database } from 'drizzle-orm/mysql2'
import mysql from 'mysql2/promise'
import { useConfig } from '../config'
import * as schema from './schema'

export const tables = schema

type Db = MySql2Database<typeof schema>

let pool: mysql.Pool | undefined
let db: Db | undefined

/** The one mysql2 pool of this process. */
export function usePool(): mysql.Pool {
  if (!pool) {
    const { db: settings } = useConfig()
    pool = mysql.createPool({
      ...settings,
      connectionLimit: 10,
      connectTimeout: 3000,
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

/** Drizzle over the shared pool. */
export function useDb(): Db {
  db ??= drizzle(usePool(), { schema, mode: 'default' })
  return db
}

/** Creates the configured database when it does not exist (development convenience; harmless in production). */
export async function ensureDatabase(): Promise<void> {
  const { db: settings } = useConfig()
  const conn = await mysql.createConnection({ host: settings.host, port: settings.port, user: settings.user, password: settings.password, connectTimeout: 3000 })
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${settings.database.replaceAll('`', '``')}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  }
  finally {
    await conn.end()
  }
}
