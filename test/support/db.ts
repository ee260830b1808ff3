import mysql from 'mysql2/promise'
import { afterAll, inject } from 'vitest'

// The run's database, read directly (to prove what a request changed, or did not).

let pool: mysql.Pool | undefined

/** A pool on the run's throwaway database (closed after the file). */
export function db(): mysql.Pool {
  if (!pool) {
    pool = mysql.createPool({ host: process.env.DB_HOST ?? '127.0.0.1', port: Number(process.env.DB_PORT ?? 3306), user: process.env.DB_USER ?? 'root', password: process.env.DB_PASSWORD ?? '', database: inject('dbName'), connectionLimit: 4 })
    afterAll(async () => {
      await pool?.end()
      pool = undefined
    })
  }
  return pool
}

export async function query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  const [rows] = await db().query(sql, params)
  return rows as T[]
}

/** Rows in `users` whose case-folded name is one of the given strings. */
export async function usersNamed(...names: string[]): Promise<number> {
  if (names.length === 0) return 0
  const keys = names.map(n => n.normalize('NFC').toLowerCase())
  const [row] = await query<{ n: number }>('SELECT COUNT(*) AS n FROM users WHERE username_key IN (?)', [keys])
  return Number(row!.n)
}

export async function imageRows(userId: number): Promise<number> {
  const [row] = await query<{ n: number }>('SELECT COUNT(*) AS n FROM images WHERE user_id = ?', [userId])
  return Number(row!.n)
}

export async function sessionRows(userId: number): Promise<Array<{ id: string, jti: string }>> {
  return query('SELECT id, jti FROM sessions WHERE user_id = ? ORDER BY id', [userId])
}

async function untilNonePending(where: string, params: unknown[], what: string, ms: number): Promise<void> {
  const end = Date.now() + ms
  for (;;) {
    const [row] = await query<{ pending: number }>(`SELECT COUNT(*) AS pending FROM images WHERE ${where} AND variants_pending = 1`, params)
    if (Number(row!.pending) === 0) return
    if (Date.now() > end) throw new Error(`thumbnails of ${what} not made within ${ms} ms`)
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}

/**
 * Waits until the background queue has made the thumbnails of these images (their rows no longer
 * `variants_pending`); fails the test when it has not within `ms`.
 */
export function thumbnailsMade(ids: number[], ms = 15_000): Promise<void> {
  return untilNonePending('id IN (?)', [ids], `images ${ids.join(', ')}`, ms)
}

/** The same for every image of these users (before a test snapshots their files). */
export function userThumbnailsMade(userIds: number[], ms = 15_000): Promise<void> {
  return untilNonePending('user_id IN (?)', [userIds], `the images of users ${userIds.join(', ')}`, ms)
}
