import { fetch } from '@nuxt/test-utils/e2e'
import { describe, expect, it } from 'vitest'
import { bearer, makeImage, PASSWORD, postJson, signUp, upload } from '../setup/api'
import { startServer } from '../setup/server'
import { userId } from '../support/accounts'
import { NO_ROWS, rowsOf, sendJson, signUpAdmin } from '../support/admin'
import { query, userThumbnailsMade } from '../support/db'
import { expectApiError } from '../support/errors'
import { listFiles, until } from '../support/files'

// SPEC §10, the account of any user: /api/me's usage, sessions, password change, deleting the
// account, a disabled account, and quotas on upload.

const { uploadFolder } = await startServer()

/** The user's stored files, once the background queue has made their thumbnails. */
async function filesOf(id: number): Promise<string[]> {
  await userThumbnailsMade([id])
  return (await listFiles(uploadFolder)).filter(f => f.startsWith(`${id}/`))
}

/** Signs in again with a browser's User-Agent; returns the new token. */
async function loginAs(username: string, userAgent: string, password = PASSWORD): Promise<string> {
  const res = await fetch('/api/login', { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': userAgent }, body: JSON.stringify({ username, password }) })
  expect(res.status).toBe(200)
  return (await res.json()).token
}

const me = async (token: string) => fetch('/api/me', { headers: bearer(token) })

describe('GET /api/me', () => {
  it('tells the role, the bytes and images stored (the trash included) and the effective quota', async () => {
    const user = await signUp()
    const bytes = await makeImage('png', 30, 20)
    const first = await (await upload(user.token, bytes, 'a.png')).json()
    await upload(user.token, await makeImage('png', 10, 10), 'b.png')
    await fetch(`/api/images/delete/${first.image.id}`, { method: 'DELETE', headers: bearer(user.token) })
    const body = await (await me(user.token)).json()
    const [stored] = await query<{ n: number, bytes: string }>('SELECT COUNT(*) AS n, SUM(size) AS bytes FROM images WHERE user_id = ?', [body.id])
    // The run's first account (whichever file registered it) is an admin: the role is the stored one.
    const [{ role }] = await query<{ role: string }>('SELECT role FROM users WHERE id = ?', [body.id]) as [{ role: string }]
    expect(body).toMatchObject({ role, image_count: 2, bytes_used: Number(stored!.bytes), quota_bytes: null })
    expect(['admin', 'user']).toContain(role)
    await query('UPDATE users SET quota_bytes = 123456 WHERE id = ?', [body.id])
    expect((await (await me(user.token)).json()).quota_bytes).toBe(123456)
  })
})

describe('sessions', () => {
  it('lists each signed-in device with its browser, when it was used, and marks this one', async () => {
    const user = await signUp()
    const phone = await loginAs(user.username, 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1')
    const desktop = await loginAs(user.username, 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36')
    const res = await fetch('/api/account/sessions', { headers: bearer(desktop) })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const sessions = await res.json() as Array<{ id: string, created_at: string, last_used_at: string | null, user_agent: string | null, current: boolean }>
    expect(sessions).toHaveLength(3)
    expect(sessions.filter(s => s.current)).toHaveLength(1)
    expect(sessions.find(s => s.current)!.user_agent).toContain('Chrome/120')
    expect(sessions.some(s => s.user_agent?.includes('iPhone'))).toBe(true)
    for (const s of sessions) {
      expect(Object.keys(s).sort()).toEqual(['created_at', 'current', 'id', 'last_used_at', 'user_agent'])
      expect(s.last_used_at).not.toBeNull()
    }
    // The phone's list marks the phone.
    const fromPhone = await (await fetch('/api/account/sessions', { headers: bearer(phone) })).json() as Array<{ current: boolean, user_agent: string }>
    expect(fromPhone.find(s => s.current)!.user_agent).toContain('iPhone')
  })

  it('records the last use at most once a minute, not on every request', async () => {
    const user = await signUp()
    const id = await userId(user.token)
    await query('UPDATE sessions SET last_used_at = CURRENT_TIMESTAMP(3) - INTERVAL 30 SECOND WHERE user_id = ?', [id])
    const [before] = await query<{ t: Date }>('SELECT last_used_at AS t FROM sessions WHERE user_id = ?', [id])
    for (let i = 0; i < 5; i++) expect((await me(user.token)).status).toBe(200)
    const [still] = await query<{ t: Date }>('SELECT last_used_at AS t FROM sessions WHERE user_id = ?', [id])
    expect(still!.t).toEqual(before!.t)
    await query('UPDATE sessions SET last_used_at = CURRENT_TIMESTAMP(3) - INTERVAL 5 MINUTE WHERE user_id = ?', [id])
    expect((await me(user.token)).status).toBe(200)
    expect(await until(async () => {
      const [row] = await query<{ age: number }>('SELECT TIMESTAMPDIFF(SECOND, last_used_at, CURRENT_TIMESTAMP(3)) AS age FROM sessions WHERE user_id = ?', [id])
      return Number(row!.age) < 10
    })).toBe(true)
  })

  it('ends one session by id: its token stops at once, the others keep working', async () => {
    const user = await signUp()
    const second = await loginAs(user.username, 'second device')
    const list = await (await fetch('/api/account/sessions', { headers: bearer(user.token) })).json() as Array<{ id: string, current: boolean }>
    const other = list.find(s => !s.current)!
    expect((await sendJson('DELETE', `/api/account/sessions/${other.id}`, user.token)).status).toBe(200)
    expect((await me(second)).status).toBe(401)
    expect((await me(user.token)).status).toBe(200)
    // Already ended, unknown, or someone else's: 404, and that someone stays signed in.
    await expectApiError(await sendJson('DELETE', `/api/account/sessions/${other.id}`, user.token), 404, 'SESSION_NOT_FOUND')
    await expectApiError(await sendJson('DELETE', `/api/account/sessions/${'x'.repeat(22)}`, user.token), 404, 'SESSION_NOT_FOUND')
    const stranger = await signUp()
    const [theirs] = await query<{ id: string }>('SELECT id FROM sessions WHERE user_id = ?', [await userId(stranger.token)])
    await expectApiError(await sendJson('DELETE', `/api/account/sessions/${theirs!.id}`, user.token), 404, 'SESSION_NOT_FOUND')
    expect((await me(stranger.token)).status).toBe(200)
    await expectApiError(await sendJson('DELETE', '/api/account/sessions/not-an-id', user.token), 400, 'INVALID_SESSION_ID')
  })

  it('signs out everywhere else and says how many sessions ended', async () => {
    const user = await signUp()
    const others = await Promise.all([1, 2, 3].map(n => loginAs(user.username, `device ${n}`)))
    const res = await sendJson('POST', '/api/account/sessions/revoke-others', user.token)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ count: 3 })
    for (const token of others) expect((await me(token)).status).toBe(401)
    expect((await me(user.token)).status).toBe(200)
  })
})

describe('POST /api/account/password', () => {
  it('refuses a wrong current password with 403 WRONG_PASSWORD and changes nothing', async () => {
    const user = await signUp()
    const other = await loginAs(user.username, 'other device')
    const [before] = await query('SELECT password FROM users WHERE username = ?', [user.username])
    await expectApiError(await sendJson('POST', '/api/account/password', user.token, { current_password: 'not the password', new_password: 'a brand new password' }), 403, 'WRONG_PASSWORD')
    expect((await query('SELECT password FROM users WHERE username = ?', [user.username]))[0]).toEqual(before)
    expect((await me(other)).status).toBe(200)
    await expectApiError(await sendJson('POST', '/api/account/password', user.token, { current_password: PASSWORD, new_password: 'short' }), 400, 'VALIDATION_ERROR')
  })

  it('sets the new password and ends every other session, keeping this one', async () => {
    const user = await signUp()
    const other = await loginAs(user.username, 'other device')
    const res = await sendJson('POST', '/api/account/password', user.token, { current_password: PASSWORD, new_password: 'a brand new password' })
    expect(res.status).toBe(200)
    expect((await me(other)).status).toBe(401)
    expect((await me(user.token)).status).toBe(200)
    expect((await postJson('/api/login', { username: user.username, password: PASSWORD })).status).toBe(401)
    expect((await postJson('/api/login', { username: user.username, password: 'a brand new password' })).status).toBe(200)
  })
})

describe('DELETE /api/account', () => {
  async function fullAccount() {
    const user = await signUp()
    const id = await userId(user.token)
    const res = await upload(user.token, await makeImage('png', 24, 24), 'mine.png')
    const image = (await res.json()).image
    const album = await (await postJson('/api/albums', { title: 'mine' }, bearer(user.token))).json()
    await postJson(`/api/albums/${album.id}/images`, { image_ids: [image.id] }, bearer(user.token))
    await upload(user.token, await makeImage('jpeg', 24, 24), 'trashed.jpg').then(async r => fetch(`/api/images/delete/${(await r.json()).image.id}`, { method: 'DELETE', headers: bearer(user.token) }))
    // A share when the sharing routes exist; the rows check covers it either way.
    await postJson('/api/shares', { image_id: image.id }, bearer(user.token)).then(r => r.arrayBuffer())
    return { ...user, id }
  }

  it('needs the password: a wrong one is 403 WRONG_PASSWORD and nothing is deleted', async () => {
    const user = await fullAccount()
    const before = await rowsOf(user.id)
    const files = await filesOf(user.id)
    await expectApiError(await sendJson('DELETE', '/api/account', user.token, { password: 'not the password' }), 403, 'WRONG_PASSWORD')
    expect(await rowsOf(user.id)).toEqual(before)
    expect(await filesOf(user.id)).toEqual(files)
    expect(files.length).toBeGreaterThanOrEqual(4)
  })

  it('deletes the user with every image, file, album, share and session', async () => {
    const user = await fullAccount()
    const second = await loginAs(user.username, 'second device')
    const res = await sendJson('DELETE', '/api/account', user.token, { password: PASSWORD })
    expect(res.status).toBe(200)
    expect(await rowsOf(user.id)).toEqual(NO_ROWS)
    expect(await query('SELECT ai.image_id FROM album_images ai LEFT JOIN images i ON i.id = ai.image_id WHERE i.id IS NULL')).toEqual([])
    expect(await filesOf(user.id)).toEqual([])
    expect((await me(user.token)).status).toBe(401)
    expect((await me(second)).status).toBe(401)
    await expectApiError(await postJson('/api/login', { username: user.username, password: PASSWORD }), 401, 'INVALID_CREDENTIALS')
  })

  it('leaves no orphan file or row when the account is deleted while uploads are in flight', async () => {
    const user = await signUp()
    const id = await userId(user.token)
    const images = await Promise.all(Array.from({ length: 12 }, (_, n) => makeImage('png', 200 + n, 150)))
    const uploads = images.map((bytes, n) => upload(user.token, bytes, `race-${n}.png`).then(r => r.status))
    await new Promise(r => setTimeout(r, 40))
    const deletion = sendJson('DELETE', '/api/account', user.token, { password: PASSWORD }).then(r => r.status)
    const statuses = await Promise.all(uploads)
    expect(await deletion).toBe(200)
    for (const status of statuses) expect([201, 401]).toContain(status)
    expect(await rowsOf(id)).toEqual(NO_ROWS)
    expect(await until(async () => (await filesOf(id)).length === 0)).toBe(true)
  })
})

describe('a disabled account', () => {
  it('is signed out at once; the right password then gets 403 ACCOUNT_DISABLED, a wrong one stays 401', async () => {
    const admin = await signUpAdmin()
    const user = await signUp()
    const id = await userId(user.token)
    const off = await sendJson('PATCH', `/api/admin/users/${id}`, admin.token, { disabled: true })
    expect(off.status).toBe(200)
    expect((await off.json()).disabled).toBe(true)
    expect((await me(user.token)).status).toBe(401)
    expect((await rowsOf(id)).sessions).toBe(0)
    await expectApiError(await postJson('/api/login', { username: user.username, password: PASSWORD }), 403, 'ACCOUNT_DISABLED')
    await expectApiError(await postJson('/api/login', { username: user.username, password: 'wrong password' }), 401, 'INVALID_CREDENTIALS')
    expect((await sendJson('PATCH', `/api/admin/users/${id}`, admin.token, { disabled: false })).status).toBe(200)
    expect((await postJson('/api/login', { username: user.username, password: PASSWORD })).status).toBe(200)
  })

  it('keeps no session from 50 sign-ins racing the disable', async () => {
    const admin = await signUpAdmin()
    const user = await signUp()
    const id = await userId(user.token)
    // Sign-ins are counted before the password is compared: past the per-user limit they are 429s.
    const logins = Array.from({ length: 50 }, () => postJson('/api/login', { username: user.username, password: PASSWORD }).then(r => r.status))
    const off = sendJson('PATCH', `/api/admin/users/${id}`, admin.token, { disabled: true }).then(r => r.status)
    const statuses = await Promise.all(logins)
    expect(await off).toBe(200)
    for (const status of statuses) expect([200, 403, 429]).toContain(status)
    expect((await rowsOf(id)).sessions).toBe(0)
  })
})

describe('quotas', () => {
  it('answers 413 QUOTA_EXCEEDED for an upload that would pass the quota, and stores nothing', async () => {
    const admin = await signUpAdmin()
    const user = await signUp()
    const id = await userId(user.token)
    const small = await makeImage('png', 16, 16)
    expect((await upload(user.token, small, 'fits.png')).status).toBe(201)
    const used = (await (await me(user.token)).json()).bytes_used
    expect((await sendJson('PATCH', `/api/admin/users/${id}`, admin.token, { quota_bytes: used + 100 })).status).toBe(200)
    const files = await filesOf(id)
    const big = await makeImage('png', 300, 300, '#123456')
    await expectApiError(await upload(user.token, big, 'too-big.png'), 413, 'QUOTA_EXCEEDED')
    expect(await filesOf(id)).toEqual(files)
    expect((await rowsOf(id)).images).toBe(1)
    expect((await (await me(user.token)).json())).toMatchObject({ bytes_used: used, quota_bytes: used + 100 })
  })

  it('lets 50 parallel uploads store only what fits (counted atomically)', async () => {
    const admin = await signUpAdmin()
    const user = await signUp()
    const id = await userId(user.token)
    const images = await Promise.all(Array.from({ length: 50 }, () => makeImage('png', 40, 40)))
    const size = Math.max(...images.map(i => i.length))
    // Room for 5 of them (each stored file is at most its upload's size: no GPS to remove here).
    const quota = size * 5 + 10
    expect((await sendJson('PATCH', `/api/admin/users/${id}`, admin.token, { quota_bytes: quota })).status).toBe(200)
    const statuses = await Promise.all(images.map((bytes, n) => upload(user.token, bytes, `p${n}.png`).then(r => r.status)))
    const stored = statuses.filter(s => s === 201).length
    expect(statuses.filter(s => s !== 201).every(s => s === 413)).toBe(true)
    const [row] = await query<{ n: number, bytes: string }>('SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM images WHERE user_id = ?', [id])
    expect(Number(row!.n)).toBe(stored)
    expect(Number(row!.bytes)).toBeLessThanOrEqual(quota)
    expect(stored).toBeGreaterThanOrEqual(5)
    expect(await until(async () => (await filesOf(id)).length === stored * 2)).toBe(true)
  })
})
