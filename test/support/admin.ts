import { fetch } from '@nuxt/test-utils/e2e'
import { bearer, signUp } from '../setup/api'
import { userId } from './accounts'
import { query } from './db'

// Admins and admin requests for the account and admin tests (SPEC §10).

/** A fresh account made admin directly in the database (the run's first account is already one, whoever registered it). */
export async function signUpAdmin(): Promise<{ username: string, token: string, id: number }> {
  const user = await signUp()
  const id = await userId(user.token)
  await query('UPDATE users SET role = \'admin\' WHERE id = ?', [id])
  return { ...user, id }
}

/** A JSON request with the token's bearer header. */
export function sendJson(method: string, path: string, token: string, body?: unknown) {
  return fetch(path, {
    method,
    headers: { ...bearer(token), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
}

/** Everything a user leaves in the database: any row left after deleting them is an orphan. */
export async function rowsOf(id: number) {
  const count = async (sql: string) => Number((await query<{ n: number }>(sql, [id]))[0]!.n)
  return {
    users: await count('SELECT COUNT(*) AS n FROM users WHERE id = ?'),
    images: await count('SELECT COUNT(*) AS n FROM images WHERE user_id = ?'),
    albums: await count('SELECT COUNT(*) AS n FROM albums WHERE user_id = ?'),
    shares: await count('SELECT COUNT(*) AS n FROM shares WHERE user_id = ?'),
    sessions: await count('SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?'),
  }
}

export const NO_ROWS = { users: 0, images: 0, albums: 0, shares: 0, sessions: 0 }
