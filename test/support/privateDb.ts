import mysql from 'mysql2/promise'
import { inject } from 'vitest'

// A database of a test file's own, for what needs an empty gallery or changes instance-wide settings
// (registration mode, default quota): the run's shared database is used by other files in parallel.

const settings = () => ({ host: process.env.DB_HOST ?? '127.0.0.1', port: Number(process.env.DB_PORT ?? 3306), user: process.env.DB_USER ?? 'root', password: process.env.DB_PASSWORD ?? '' })

/** Creates `<run database>_<suffix>` and returns its name, a pool on it, and a drop for afterAll. */
export async function privateDatabase(suffix: string) {
  const name = `${inject('dbName')}_${suffix}`
  const conn = await mysql.createConnection(settings())
  await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  await conn.end()
  const pool = mysql.createPool({ ...settings(), database: name, connectionLimit: 4 })
  const query = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => (await pool.query(sql, params))[0] as T[]
  const drop = async () => {
    await pool.end()
    const c = await mysql.createConnection(settings())
    await c.query(`DROP DATABASE IF EXISTS \`${name}\``)
    await c.end()
  }
  return { name, query, drop }
}
