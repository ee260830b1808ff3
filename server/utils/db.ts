import { createHash } from 'node:crypto'
import { drizzle, type MySql2Database } from 'drizzle-orm/mysql2'
import mysql from 'mysql2/promise'
import * as schema from '../database/schema'

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

interface JournalEntry { tag: string, when: number, breakpoints: boolean }

/**
 * Applies the committed drizzle-kit migrations, read from the server bundle's assets so a production
 * `.output` needs no source tree. Same bookkeeping table as `drizzle-kit migrate`. A named lock keeps
 * two instances starting together from racing.
 */
export async function runMigrations(): Promise<void> {
  const assets = useStorage('assets:migrations')
  const journal = await assets.getItem<{ entries: JournalEntry[] }>('meta/_journal.json')
  if (!journal?.entries) throw new Error('migrations journal missing from the server bundle')
  const migrations = []
  for (const entry of journal.entries) {
    const query = String(await assets.getItem(`${entry.tag}.sql`) ?? '')
    if (!query) throw new Error(`migration ${entry.tag}.sql missing from the server bundle`)
    migrations.push({
      sql: query.split('--> statement-breakpoint'),
      bps: entry.breakpoints,
      folderMillis: entry.when,
      hash: createHash('sha256').update(query).digest('hex'),
    })
  }
  const conn = await usePool().getConnection()
  try {
    await conn.query('SELECT GET_LOCK(?, 60)', ['gallery_migrations'])
    const database = drizzle(conn, { schema, mode: 'default' }) as any
    await database.dialect.migrate(migrations, database.session, {})
  }
  finally {
    await conn.query('SELECT RELEASE_LOCK(?)', ['gallery_migrations']).catch(() => {})
    conn.release()
  }
}
