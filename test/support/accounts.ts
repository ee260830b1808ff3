import { fetch } from '@nuxt/test-utils/e2e'
import { beforeAll, expect } from 'vitest'
import { bearer, signUp, uniqueName } from '../setup/api'
import { query, sessionRows } from './db'

// Users seen through the API: their id, their list, a login cookie, and a bystander whose account must stay untouched.

/** The id of the token's user, from /api/me. */
export async function userId(token: string): Promise<number> {
  const res = await fetch('/api/me', { headers: bearer(token) })
  if (res.status !== 200) throw new Error(`/api/me answered ${res.status}`)
  return (await res.json()).id
}

export async function listImages(token: string): Promise<Array<{ id: number, filename: string, url: string, thumbnail_url: string }>> {
  const res = await fetch('/api/images', { headers: bearer(token) })
  if (res.status !== 200) throw new Error(`/api/images answered ${res.status}`)
  return res.json()
}

/** The session cookie (`name=value`) of a fresh login. */
export async function loginCookie(username: string, password: string): Promise<string> {
  const res = await fetch('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
  if (res.status !== 200) throw new Error(`login answered ${res.status}`)
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!
}

/**
 * A user registered before the file's tests, and a check that a refused request left their account,
 * sessions and token exactly as they were.
 */
export function useVictim() {
  const victim = { username: '', token: '', id: 0, row: undefined as unknown }
  const victimRow = async () => (await query('SELECT id, username, username_key, password, created_at FROM users WHERE id = ?', [victim.id]))[0]
  beforeAll(async () => {
    const { username, token } = await signUp(uniqueName('vic'))
    Object.assign(victim, { username, token, id: await userId(token) })
    victim.row = await victimRow()
  })
  async function expectVictimUntouched(sessionsBefore: unknown) {
    expect(await victimRow()).toEqual(victim.row)
    expect(await sessionRows(victim.id)).toEqual(sessionsBefore)
    expect((await fetch('/api/me', { headers: bearer(victim.token) })).status).toBe(200)
  }
  return { victim, expectVictimUntouched }
}
