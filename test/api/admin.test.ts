import { fetch } from '@nuxt/test-utils/e2e'
import { beforeAll, describe, expect, it } from 'vitest'
import { bearer, makeImage, PASSWORD, postJson, signUp, upload } from '../setup/api'
import { startServer } from '../setup/server'
import { userId } from '../support/accounts'
import { NO_ROWS, rowsOf, sendJson, signUpAdmin } from '../support/admin'
import { query } from '../support/db'
import { expectApiError } from '../support/errors'
import { listFiles } from '../support/files'

// SPEC §10, the admin API on the run's shared database: users with counts and sizes, role, disable,
// quota, delete; stats; settings validation; invites. What changes instance-wide settings or needs
// an empty database (registration modes, first admin, last admin) is in admin-instance.test.ts.

const { uploadFolder } = await startServer()

let admin: { token: string, id: number }
beforeAll(async () => {
  admin = await signUpAdmin()
})

async function userWithPhotos() {
  const user = await signUp()
  const id = await userId(user.token)
  const uploaded = []
  for (const n of [1, 2]) uploaded.push((await (await upload(user.token, await makeImage('png', 20 * n, 20), `secret-${n}.png`)).json()).image)
  return { ...user, id, images: uploaded as Array<{ id: number, url: string, filename: string }> }
}

describe('GET /api/admin/users', () => {
  it('lists every account with its image count and bytes, and nothing of its photos', async () => {
    const user = await userWithPhotos()
    const res = await fetch('/api/admin/users', { headers: bearer(admin.token) })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const text = await res.text()
    const users = JSON.parse(text) as Array<Record<string, unknown>>
    const row = users.find(u => u.id === user.id)!
    const [stored] = await query<{ bytes: string }>('SELECT SUM(size) AS bytes FROM images WHERE user_id = ?', [user.id])
    expect(row).toEqual({ id: user.id, username: user.username, role: 'user', created_at: expect.any(String), image_count: 2, bytes_used: Number(stored!.bytes), quota_bytes: null, disabled: false })
    expect(users.find(u => u.id === admin.id)).toMatchObject({ role: 'admin' })
    for (const image of user.images) {
      expect(text).not.toContain(image.url)
      expect(text).not.toContain(image.filename)
    }
  })

  it('gives an admin no way to another user\'s photos: their files and lists answer 404 or their own', async () => {
    const user = await userWithPhotos()
    const image = user.images[0]!
    await expectApiError(await fetch(image.url, { headers: bearer(admin.token) }), 404, 'IMAGE_NOT_FOUND')
    const list = await (await fetch('/api/images', { headers: bearer(admin.token) })).json() as Array<{ id: number }>
    expect(list.map(i => i.id)).not.toContain(image.id)
  })
})

describe('PATCH /api/admin/users/:id', () => {
  it('changes the role, which the user\'s next request sees', async () => {
    const user = await signUp()
    const id = await userId(user.token)
    await expectApiError(await fetch('/api/admin/stats', { headers: bearer(user.token) }), 403, 'FORBIDDEN')
    const res = await sendJson('PATCH', `/api/admin/users/${id}`, admin.token, { role: 'admin' })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ id, role: 'admin', disabled: false })
    expect((await fetch('/api/admin/stats', { headers: bearer(user.token) })).status).toBe(200)
    expect((await (await fetch('/api/me', { headers: bearer(user.token) })).json()).role).toBe('admin')
    expect((await sendJson('PATCH', `/api/admin/users/${id}`, admin.token, { role: 'user' })).status).toBe(200)
    await expectApiError(await fetch('/api/admin/stats', { headers: bearer(user.token) }), 403, 'FORBIDDEN')
  })

  it('sets and clears a user\'s own quota', async () => {
    const user = await signUp()
    const id = await userId(user.token)
    expect(await (await sendJson('PATCH', `/api/admin/users/${id}`, admin.token, { quota_bytes: 5_000_000 })).json()).toMatchObject({ quota_bytes: 5_000_000 })
    expect((await (await fetch('/api/me', { headers: bearer(user.token) })).json()).quota_bytes).toBe(5_000_000)
    expect(await (await sendJson('PATCH', `/api/admin/users/${id}`, admin.token, { quota_bytes: null })).json()).toMatchObject({ quota_bytes: null })
  })

  it('ends every session of a disabled user at once', async () => {
    const user = await signUp()
    const id = await userId(user.token)
    const second = (await (await postJson('/api/login', { username: user.username, password: PASSWORD })).json()).token
    expect((await sendJson('PATCH', `/api/admin/users/${id}`, admin.token, { disabled: true })).status).toBe(200)
    for (const token of [user.token, second]) expect((await fetch('/api/me', { headers: bearer(token) })).status).toBe(401)
    expect((await rowsOf(id)).sessions).toBe(0)
  })

  it.each([
    [{}],
    [{ role: 'root' }],
    [{ disabled: 'yes' }],
    [{ quota_bytes: -1 }],
    [{ quota_bytes: 1.5 }],
    [{ quota_bytes: '100' }],
    [{ username: 'renamed' }],
  ])('refuses %j with 400 and changes nothing', async (body) => {
    const user = await signUp()
    const id = await userId(user.token)
    const [before] = await query('SELECT role, disabled_at, quota_bytes, username FROM users WHERE id = ?', [id])
    await expectApiError(await sendJson('PATCH', `/api/admin/users/${id}`, admin.token, body), 400, 'VALIDATION_ERROR')
    expect((await query('SELECT role, disabled_at, quota_bytes, username FROM users WHERE id = ?', [id]))[0]).toEqual(before)
  })

  it('answers 404 USER_NOT_FOUND for a user that does not exist, and 400 for an id that is not one', async () => {
    const [row] = await query<{ id: number }>('SELECT COALESCE(MAX(id), 0) + 1000 AS id FROM users')
    await expectApiError(await sendJson('PATCH', `/api/admin/users/${row!.id}`, admin.token, { role: 'admin' }), 404, 'USER_NOT_FOUND')
    await expectApiError(await sendJson('DELETE', `/api/admin/users/${row!.id}`, admin.token), 404, 'USER_NOT_FOUND')
    await expectApiError(await sendJson('PATCH', '/api/admin/users/abc', admin.token, { role: 'admin' }), 400, 'INVALID_USER_ID')
    await expectApiError(await sendJson('DELETE', '/api/admin/users/-3', admin.token), 400, 'INVALID_USER_ID')
  })
})

describe('DELETE /api/admin/users/:id', () => {
  it('deletes the user with every image, file, album and session; a second delete is 404', async () => {
    const user = await userWithPhotos()
    const album = await (await postJson('/api/albums', { title: 'theirs' }, bearer(user.token))).json()
    await postJson(`/api/albums/${album.id}/images`, { image_ids: user.images.map(i => i.id) }, bearer(user.token))
    expect((await listFiles(uploadFolder)).filter(f => f.startsWith(`${user.id}/`)).length).toBeGreaterThanOrEqual(4)
    expect((await sendJson('DELETE', `/api/admin/users/${user.id}`, admin.token)).status).toBe(200)
    expect(await rowsOf(user.id)).toEqual(NO_ROWS)
    expect((await listFiles(uploadFolder)).filter(f => f.startsWith(`${user.id}/`))).toEqual([])
    expect((await fetch('/api/me', { headers: bearer(user.token) })).status).toBe(401)
    await expectApiError(await sendJson('DELETE', `/api/admin/users/${user.id}`, admin.token), 404, 'USER_NOT_FOUND')
  })
})

describe('GET /api/admin/stats', () => {
  it('counts users, images and bytes, and today\'s uploads in a 30-day series', async () => {
    const before = await (await fetch('/api/admin/stats', { headers: bearer(admin.token) })).json()
    const user = await userWithPhotos()
    const after = await (await fetch('/api/admin/stats', { headers: bearer(admin.token) })).json()
    expect(Object.keys(after).sort()).toEqual(['bytes', 'images', 'uploads_per_day', 'users'])
    expect(after.users).toBeGreaterThanOrEqual(before.users + 1)
    expect(after.images).toBeGreaterThanOrEqual(before.images + user.images.length)
    expect(after.bytes).toBeGreaterThan(before.bytes)
    expect(after.uploads_per_day).toHaveLength(30)
    const dates = after.uploads_per_day.map((d: { date: string }) => d.date)
    expect([...dates].sort()).toEqual(dates)
    for (const date of dates) expect(date).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    expect(after.uploads_per_day.at(-1).count).toBeGreaterThanOrEqual(before.uploads_per_day.at(-1).count + 2)
  })
})

describe('settings', () => {
  it('reads the registration mode and default quota', async () => {
    const res = await fetch('/api/admin/settings', { headers: bearer(admin.token) })
    expect(res.status).toBe(200)
    expect(Object.keys(await res.json()).sort()).toEqual(['default_quota_bytes', 'registration'])
  })

  it.each([
    [{ registration: 'sometimes' }],
    [{ registration: 'OPEN' }],
    [{ default_quota_bytes: -5 }],
    [{ default_quota_bytes: 'lots' }],
    [{ theme: 'dark' }],
    [{}],
  ])('refuses the unknown value %j with 400 and changes nothing', async (body) => {
    const before = await query('SELECT `key`, value FROM settings ORDER BY `key`')
    await expectApiError(await sendJson('PATCH', '/api/admin/settings', admin.token, body), 400, 'VALIDATION_ERROR')
    expect(await query('SELECT `key`, value FROM settings ORDER BY `key`')).toEqual(before)
  })
})

describe('POST /api/admin/invites', () => {
  it('makes a single-use link whose token the database keeps only as a hash', async () => {
    const res = await sendJson('POST', '/api/admin/invites', admin.token)
    expect(res.status).toBe(201)
    const invite = await res.json()
    expect(Object.keys(invite).sort()).toEqual(['expires_at', 'id', 'token', 'url'])
    expect(invite.token).toMatch(/^[\w-]{43}$/)
    expect(new URL(invite.url).pathname).toBe('/register')
    expect(new URL(invite.url).searchParams.get('invite')).toBe(invite.token)
    const days = (Date.parse(invite.expires_at) - Date.now()) / 86_400_000
    expect(days).toBeGreaterThan(6.9)
    expect(days).toBeLessThanOrEqual(7)
    const rows = await query<{ token_hash: string }>('SELECT token_hash FROM invites WHERE id = ?', [invite.id])
    expect(rows[0]!.token_hash).not.toContain(invite.token)
    expect(JSON.stringify(await query('SELECT * FROM invites'))).not.toContain(invite.token)
    const short = await (await sendJson('POST', '/api/admin/invites', admin.token, { expires_in: 3600 })).json()
    expect(Date.parse(short.expires_at) - Date.now()).toBeLessThanOrEqual(3600_000)
    await expectApiError(await sendJson('POST', '/api/admin/invites', admin.token, { expires_in: 5 }), 400, 'VALIDATION_ERROR')
  })
})
