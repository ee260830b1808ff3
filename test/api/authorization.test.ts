import { readdir } from 'node:fs/promises'
import { join, relative, resolve, sep } from 'node:path'
import { fetch } from '@nuxt/test-utils/e2e'
import { beforeAll, describe, expect, it } from 'vitest'
import { bearer, makeImage, PASSWORD, postJson, signUp, uniqueName, upload } from '../setup/api'
import { startServer } from '../setup/server'
import { userId } from '../support/accounts'
import { query, userThumbnailsMade } from '../support/db'
import { expectApiError } from '../support/errors'
import { listFiles } from '../support/files'

// Every route under server/api, walked with each kind of caller (CONVENTIONS "Authorization in one
// place"): anonymous, the owner of the resource, another signed-in user, an admin (who never sees or
// touches another user's photos, SPEC §10) and a disabled user (whose sessions are over). The table is checked
// against the route files on disk, so a new route without a row here fails this file.

const { uploadFolder } = await startServer()

const API_DIR = resolve(import.meta.dirname, '../../server/api')

/** Every route file under server/api, relative to it, with `/` separators. */
async function routeFiles(): Promise<string[]> {
  const entries = await readdir(API_DIR, { withFileTypes: true, recursive: true })
  return entries.filter(e => e.isFile() && e.name.endsWith('.ts'))
    .map(e => relative(API_DIR, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort()
}

/** What a caller brings to a request: its auth header (none when anonymous) and the image id it names. */
interface Caller { headers: Record<string, string>, imageId: number }

interface ApiRequest { method: string, path: string, headers?: Record<string, string>, body?: BodyInit }

interface RouteRow {
  /**
   * Public routes answer everyone alike; protected ones answer 401 UNAUTHORIZED without a session;
   * admin ones too, and 403 FORBIDDEN to a signed-in user who is not an admin. An admin route's
   * request names the user of the caller's image (the owner) as its target.
   */
  access: 'public' | 'protected' | 'admin'
  request: (caller: Caller) => ApiRequest | Promise<ApiRequest>
  /** The status the owner gets (for a public route: every caller). */
  status: number
  /** The error code that status carries, when it is an error (the catch-all's 404). */
  code?: string
  /**
   * How another signed-in user fares. `not-found`: the route names the owner's resource, and gets
   * 404 IMAGE_NOT_FOUND as for a missing one (never 403). `own`: the route acts on the caller's own
   * data only, so it succeeds without showing or touching anything of the owner's.
   */
  other?: 'not-found' | 'own'
  /** The code of the `not-found` 404 when the named resource is not an image (the album routes: ALBUM_NOT_FOUND). */
  notFound?: string
  /** A request the route refuses with 400 (shown to the owner): an anonymous caller must get 401 for it instead. */
  invalid?: (caller: Caller) => ApiRequest | Promise<ApiRequest>
}

const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

/** Moves the named image to the trash with the caller's own credentials (refused unless it is the owner); returns its id. */
async function trashedBy(caller: Caller): Promise<number> {
  await (await fetch(`/api/images/delete/${caller.imageId}`, { method: 'DELETE', headers: caller.headers })).arrayBuffer()
  return caller.imageId
}

/** The album the named image's owner keeps it in (every owner here has one, see newOwner). */
async function albumOf(caller: Caller): Promise<number> {
  const [row] = await query<{ album_id: number }>('SELECT album_id FROM album_images WHERE image_id = ? ORDER BY album_id LIMIT 1', [caller.imageId])
  return row!.album_id
}

/** A row for a route under /api/albums/:id: someone else's album is a 404 ALBUM_NOT_FOUND. */
function albumRoute(method: string, suffix: string, body?: (caller: Caller) => unknown): RouteRow {
  const at = async (c: Caller, id: number | string) =>
    ({ method, path: `/api/albums/${id}${suffix}`, ...(body ? json(body(c)) : {}) })
  return { access: 'protected', request: async c => at(c, await albumOf(c)), status: 200, other: 'not-found', notFound: 'ALBUM_NOT_FOUND', invalid: c => at(c, 'abc') }
}

/** A link to the named image, made in the database for its owner (the share routes name it). */
async function shareOf(caller: Caller): Promise<number> {
  const [row] = await query<{ id: number }>('SELECT id FROM shares WHERE image_id = ? AND ended_at IS NULL ORDER BY id LIMIT 1', [caller.imageId])
  if (row) return row.id
  await query(`INSERT INTO shares (user_id, image_id, token_hash, token_encrypted, expires_at)
    SELECT user_id, id, SHA2(RAND(), 256), 'v1.none', CURRENT_TIMESTAMP(3) + INTERVAL 1 DAY FROM images WHERE id = ?`, [caller.imageId])
  return shareOf(caller)
}

/** A live link (no password) to the walk owner's image, for the public share routes: made once. */
let publicShare: Promise<{ token: string, imageId: number }> | undefined
function sharedByOwner(): Promise<{ token: string, imageId: number }> {
  publicShare ??= (async () => {
    const res = await postJson('/api/shares', { image_id: owner.image.id }, bearer(owner.token))
    expect(res.status).toBe(201)
    return { token: (await res.json()).token, imageId: owner.image.id }
  })()
  return publicShare
}

async function imageForm(bytes?: Buffer): Promise<FormData> {
  const form = new FormData()
  if (bytes) form.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), 'walk.png')
  else form.append('note', 'no file here')
  return form
}

/** The id of the user whose image the caller names: the target of the admin routes. */
async function userOf(caller: Caller): Promise<number> {
  const [row] = await query<{ user_id: number }>('SELECT user_id FROM images WHERE id = ?', [caller.imageId])
  return row!.user_id
}

/** A live session of the named image's owner (every owner here is signed in). */
async function sessionOf(caller: Caller): Promise<string> {
  const [row] = await query<{ id: string }>('SELECT s.id FROM sessions s JOIN images i ON i.user_id = s.user_id WHERE i.id = ? ORDER BY s.created_at LIMIT 1', [caller.imageId])
  return row!.id
}

/** The routes, keyed by file under server/api. */
const ROUTES: Record<string, RouteRow> = {
  '[...path].ts': { access: 'public', request: () => ({ method: 'GET', path: '/api/no-such-route' }), status: 404, code: 'NOT_FOUND' },
  'health.get.ts': { access: 'public', request: () => ({ method: 'GET', path: '/api/health' }), status: 200 },
  'openapi.json.get.ts': { access: 'public', request: () => ({ method: 'GET', path: '/api/openapi.json' }), status: 200 },
  'docs.get.ts': { access: 'public', request: () => ({ method: 'GET', path: '/api/docs' }), status: 200 },
  'docs/[file].get.ts': { access: 'public', request: () => ({ method: 'GET', path: '/api/docs/reference.js' }), status: 200 },
  'register.post.ts': {
    access: 'public',
    request: () => ({ method: 'POST', path: '/api/register', ...json({ username: uniqueName('walk'), password: PASSWORD }) }),
    status: 201,
  },
  'login.post.ts': { access: 'public', request: () => ({ method: 'POST', path: '/api/login', ...json({ username: walkUser, password: PASSWORD }) }), status: 200 },
  'me.get.ts': { access: 'protected', request: () => ({ method: 'GET', path: '/api/me' }), status: 200, other: 'own' },
  'logout.post.ts': { access: 'protected', request: () => ({ method: 'POST', path: '/api/logout' }), status: 200, other: 'own' },
  'refresh.post.ts': { access: 'protected', request: () => ({ method: 'POST', path: '/api/refresh' }), status: 200, other: 'own' },
  'images/index.get.ts': {
    access: 'protected',
    request: () => ({ method: 'GET', path: '/api/images?limit=100' }),
    status: 200,
    other: 'own',
    invalid: () => ({ method: 'GET', path: '/api/images?limit=0' }),
  },
  'images/upload.post.ts': {
    access: 'protected',
    request: async () => ({ method: 'POST', path: '/api/images/upload', body: await imageForm(await makeImage('png', 12, 9)) }),
    status: 201,
    other: 'own',
    invalid: async () => ({ method: 'POST', path: '/api/images/upload', body: await imageForm() }),
  },
  'images/[id]/file.get.ts': {
    access: 'protected',
    request: c => ({ method: 'GET', path: `/api/images/${c.imageId}/file?variant=thumb` }),
    status: 200,
    other: 'not-found',
    invalid: () => ({ method: 'GET', path: '/api/images/abc/file' }),
  },
  'images/[id]/file.head.ts': {
    access: 'protected',
    request: c => ({ method: 'HEAD', path: `/api/images/${c.imageId}/file` }),
    status: 200,
    other: 'not-found',
    invalid: () => ({ method: 'HEAD', path: '/api/images/abc/file' }),
  },
  'images/delete/[id].delete.ts': {
    access: 'protected',
    request: c => ({ method: 'DELETE', path: `/api/images/delete/${c.imageId}` }),
    status: 200,
    other: 'not-found',
    invalid: () => ({ method: 'DELETE', path: '/api/images/delete/abc' }),
  },
  'images/[id].get.ts': {
    access: 'protected',
    request: c => ({ method: 'GET', path: `/api/images/${c.imageId}` }),
    status: 200,
    other: 'not-found',
    invalid: () => ({ method: 'GET', path: '/api/images/abc' }),
  },
  'images/[id].patch.ts': {
    access: 'protected',
    request: c => ({ method: 'PATCH', path: `/api/images/${c.imageId}`, ...json({ favorite: true, filename: 'renamed.png' }) }),
    status: 200,
    other: 'not-found',
    invalid: c => ({ method: 'PATCH', path: `/api/images/${c.imageId}`, ...json({ filename: '   ' }) }),
  },
  'images/batch.post.ts': {
    access: 'protected',
    request: c => ({ method: 'POST', path: '/api/images/batch', ...json({ action: 'favorite', image_ids: [c.imageId] }) }),
    status: 200,
    other: 'not-found',
    invalid: c => ({ method: 'POST', path: '/api/images/batch', ...json({ action: 'delete', image_ids: [c.imageId] }) }),
  },
  'images/download.post.ts': {
    access: 'protected',
    request: c => ({ method: 'POST', path: '/api/images/download', ...json({ image_ids: [c.imageId] }) }),
    status: 200,
    other: 'not-found',
    invalid: () => ({ method: 'POST', path: '/api/images/download', ...json({ image_ids: [] }) }),
  },
  'trash/index.get.ts': {
    access: 'protected',
    request: () => ({ method: 'GET', path: '/api/trash?limit=100' }),
    status: 200,
    other: 'own',
    invalid: () => ({ method: 'GET', path: '/api/trash?limit=0' }),
  },
  // The two trash routes act on the trash: the caller first moves the image there with its own
  // credentials (an anonymous caller or another user cannot, so the owner's image stays live).
  'trash/restore.post.ts': {
    access: 'protected',
    request: async c => ({ method: 'POST', path: '/api/trash/restore', ...json({ image_ids: [await trashedBy(c)] }) }),
    status: 200,
    other: 'not-found',
    invalid: () => ({ method: 'POST', path: '/api/trash/restore', ...json({ image_ids: ['1'] }) }),
  },
  'trash/index.delete.ts': {
    access: 'protected',
    request: async c => ({ method: 'DELETE', path: '/api/trash', ...json({ image_ids: [await trashedBy(c)] }) }),
    status: 200,
    other: 'not-found',
    invalid: () => ({ method: 'DELETE', path: '/api/trash', ...json({ all: false }) }),
  },
  'albums/index.get.ts': { access: 'protected', request: () => ({ method: 'GET', path: '/api/albums' }), status: 200, other: 'own' },
  'albums/index.post.ts': {
    access: 'protected',
    request: () => ({ method: 'POST', path: '/api/albums', ...json({ title: 'walk' }) }),
    status: 201,
    other: 'own',
    invalid: () => ({ method: 'POST', path: '/api/albums', ...json({ title: ' ' }) }),
  },
  'albums/[id].get.ts': albumRoute('GET', ''),
  'albums/[id].patch.ts': albumRoute('PATCH', '', () => ({ title: 'renamed' })),
  'albums/[id].delete.ts': albumRoute('DELETE', ''),
  'albums/[id]/images.get.ts': albumRoute('GET', '/images'),
  'albums/[id]/images.post.ts': albumRoute('POST', '/images', c => ({ image_ids: [c.imageId] })),
  'albums/[id]/images.delete.ts': albumRoute('DELETE', '/images', c => ({ image_ids: [c.imageId] })),
  'account/sessions/index.get.ts': { access: 'protected', request: () => ({ method: 'GET', path: '/api/account/sessions' }), status: 200, other: 'own' },
  'account/sessions/[id].delete.ts': {
    access: 'protected',
    request: async c => ({ method: 'DELETE', path: `/api/account/sessions/${await sessionOf(c)}` }),
    status: 200,
    other: 'not-found',
    notFound: 'SESSION_NOT_FOUND',
    invalid: () => ({ method: 'DELETE', path: '/api/account/sessions/abc' }),
  },
  'account/sessions/revoke-others.post.ts': { access: 'protected', request: () => ({ method: 'POST', path: '/api/account/sessions/revoke-others' }), status: 200, other: 'own' },
  'account/password.post.ts': {
    access: 'protected',
    request: () => ({ method: 'POST', path: '/api/account/password', ...json({ current_password: PASSWORD, new_password: `${PASSWORD} 2` }) }),
    status: 200,
    other: 'own',
    invalid: () => ({ method: 'POST', path: '/api/account/password', ...json({ current_password: PASSWORD, new_password: 'short' }) }),
  },
  'account/index.delete.ts': {
    access: 'protected',
    request: () => ({ method: 'DELETE', path: '/api/account', ...json({ password: PASSWORD }) }),
    status: 200,
    other: 'own',
    invalid: () => ({ method: 'DELETE', path: '/api/account', ...json({ password: '' }) }),
  },
  // Two-factor and email (SPEC §10). This server has no SMTP_URL: the email routes answer 404 EMAIL_UNAVAILABLE.
  'account/2fa/setup.post.ts': { access: 'protected', request: () => ({ method: 'POST', path: '/api/account/2fa/setup' }), status: 200, other: 'own' },
  'account/2fa/enable.post.ts': {
    access: 'protected',
    request: () => ({ method: 'POST', path: '/api/account/2fa/enable', ...json({ code: '000000' }) }),
    status: 409,
    code: 'TOTP_NOT_PENDING',
    other: 'own',
    invalid: () => ({ method: 'POST', path: '/api/account/2fa/enable', ...json({ code: 'abc' }) }),
  },
  'account/2fa/index.delete.ts': {
    access: 'protected',
    request: () => ({ method: 'DELETE', path: '/api/account/2fa', ...json({ password: PASSWORD }) }),
    status: 200,
    other: 'own',
    invalid: () => ({ method: 'DELETE', path: '/api/account/2fa', ...json({}) }),
  },
  'account/email/index.post.ts': {
    access: 'protected',
    request: () => ({ method: 'POST', path: '/api/account/email', ...json({ email: 'walk@example.org' }) }),
    status: 404,
    code: 'EMAIL_UNAVAILABLE',
    other: 'own',
    invalid: () => ({ method: 'POST', path: '/api/account/email', ...json({ email: 5 }) }),
  },
  'account/email/index.delete.ts': { access: 'protected', request: () => ({ method: 'DELETE', path: '/api/account/email' }), status: 404, code: 'EMAIL_UNAVAILABLE', other: 'own' },
  'account/email/verify.post.ts': {
    access: 'protected',
    request: () => ({ method: 'POST', path: '/api/account/email/verify', ...json({ token: 'no-such-token' }) }),
    status: 400,
    code: 'TOKEN_INVALID',
    other: 'own',
    invalid: () => ({ method: 'POST', path: '/api/account/email/verify', ...json({}) }),
  },
  'password/forgot.get.ts': { access: 'public', request: () => ({ method: 'GET', path: '/api/password/forgot' }), status: 200 },
  'password/forgot.post.ts': { access: 'public', request: () => ({ method: 'POST', path: '/api/password/forgot', ...json({ username: walkUser }) }), status: 404, code: 'EMAIL_UNAVAILABLE' },
  'password/reset.post.ts': { access: 'public', request: () => ({ method: 'POST', path: '/api/password/reset', ...json({ token: 'no-such-token', new_password: PASSWORD }) }), status: 400, code: 'TOKEN_INVALID' },
  'admin/users/[id]/reset-link.post.ts': {
    access: 'admin',
    request: async c => ({ method: 'POST', path: `/api/admin/users/${await userOf(c)}/reset-link` }),
    status: 201,
    invalid: () => ({ method: 'POST', path: '/api/admin/users/abc/reset-link' }),
  },
  'admin/users/index.get.ts': { access: 'admin', request: () => ({ method: 'GET', path: '/api/admin/users' }), status: 200 },
  'admin/users/[id].patch.ts': {
    access: 'admin',
    request: async c => ({ method: 'PATCH', path: `/api/admin/users/${await userOf(c)}`, ...json({ disabled: true, quota_bytes: 1 }) }),
    status: 200,
    invalid: () => ({ method: 'PATCH', path: '/api/admin/users/abc', ...json({ disabled: true }) }),
  },
  'admin/users/[id].delete.ts': {
    access: 'admin',
    request: async c => ({ method: 'DELETE', path: `/api/admin/users/${await userOf(c)}` }),
    status: 200,
    invalid: () => ({ method: 'DELETE', path: '/api/admin/users/0' }),
  },
  'admin/stats.get.ts': { access: 'admin', request: () => ({ method: 'GET', path: '/api/admin/stats' }), status: 200 },
  'admin/settings.get.ts': { access: 'admin', request: () => ({ method: 'GET', path: '/api/admin/settings' }), status: 200 },
  // The run's database is shared by every test file: the walk sets the value it already has.
  'admin/settings.patch.ts': {
    access: 'admin',
    request: () => ({ method: 'PATCH', path: '/api/admin/settings', ...json({ registration: 'open' }) }),
    status: 200,
    invalid: () => ({ method: 'PATCH', path: '/api/admin/settings', ...json({ registration: 'sometimes' }) }),
  },
  'admin/invites/index.post.ts': { access: 'admin', request: () => ({ method: 'POST', path: '/api/admin/invites' }), status: 201 },
  'shares/index.post.ts': {
    access: 'protected',
    request: c => ({ method: 'POST', path: '/api/shares', ...json({ image_id: c.imageId, expires_in: 3600 }) }),
    status: 201,
    other: 'not-found',
    invalid: c => ({ method: 'POST', path: '/api/shares', ...json({ image_id: c.imageId, expires_in: 59 }) }),
  },
  'shares/index.get.ts': { access: 'protected', request: () => ({ method: 'GET', path: '/api/shares' }), status: 200, other: 'own' },
  'shares/[id].delete.ts': {
    access: 'protected',
    request: async c => ({ method: 'DELETE', path: `/api/shares/${await shareOf(c)}` }),
    status: 200,
    other: 'not-found',
    notFound: 'SHARE_NOT_FOUND',
    invalid: () => ({ method: 'DELETE', path: '/api/shares/abc' }),
  },
  // The public share routes (SPEC §9): anyone with the link, account or not.
  's/[token]/index.get.ts': { access: 'public', request: async () => ({ method: 'GET', path: `/api/s/${(await sharedByOwner()).token}` }), status: 200 },
  's/[token]/unlock.post.ts': { access: 'public', request: async () => ({ method: 'POST', path: `/api/s/${(await sharedByOwner()).token}/unlock`, ...json({ password: 'no password set' }) }), status: 200 },
  's/[token]/images/[id]/file.get.ts': {
    access: 'public',
    request: async () => {
      const { token, imageId } = await sharedByOwner()
      return { method: 'GET', path: `/api/s/${token}/images/${imageId}/file?variant=thumb` }
    },
    status: 200,
  },
}

type RequestBuilder = RouteRow['request']

/** Sends the request a builder makes for this caller, with the caller's auth header. */
async function send(build: RequestBuilder, caller: Caller): Promise<{ res: Response, method: string }> {
  const { method, path, headers, body } = await build(caller)
  return { res: await fetch(path, { method, headers: { ...headers, ...caller.headers }, body }), method }
}

/** The status, and for anything but HEAD the `{message, code}` body of an error. Returns the body's text. */
async function expectAnswer({ res, method }: { res: Response, method: string }, status: number, code?: string): Promise<string> {
  if (method === 'HEAD' || !code) {
    const text = await res.text()
    expect(res.status, `status (body: ${text.slice(0, 300)})`).toBe(status)
    return text
  }
  return JSON.stringify(await expectApiError(res, status, code))
}

interface Owner { username: string, token: string, id: number, image: { id: number, url: string } }

async function newOwner(): Promise<Owner> {
  const { username, token } = await signUp()
  const res = await upload(token, await makeImage('png', 20, 16, '#d53a7b'), 'owned.png')
  expect(res.status).toBe(201)
  const image = (await res.json()).image
  // An album holding the image, for the album routes to name.
  const album = await (await postJson('/api/albums', { title: 'owned' }, bearer(token))).json()
  expect((await postJson(`/api/albums/${album.id}/images`, { image_ids: [image.id] }, bearer(token))).status).toBe(200)
  return { username, token, id: await userId(token), image }
}

/** Everything of the owner's a caller could change: image rows, sessions, files on disk. */
async function ownerState(owner: Owner) {
  // Thumbnails follow uploads in the background: the files compared are those of a settled state.
  await userThumbnailsMade([owner.id])
  return {
    images: await query('SELECT id, filename, filepath, thumbpath, sha256, favorite, deleted_at FROM images WHERE user_id = ? ORDER BY id', [owner.id]),
    sessions: await query('SELECT id, jti, expires_at FROM sessions WHERE user_id = ? ORDER BY id', [owner.id]),
    albums: await query('SELECT a.id, a.title, a.cover_image_id, a.updated_at, ai.image_id FROM albums a LEFT JOIN album_images ai ON ai.album_id = a.id WHERE a.user_id = ? ORDER BY a.id, ai.image_id', [owner.id]),
    shares: await query('SELECT id, ended_at, view_count FROM shares WHERE user_id = ? ORDER BY id', [owner.id]),
    files: (await listFiles(uploadFolder)).filter(f => f.startsWith(`${owner.id}/`)),
  }
}

let owner: Owner
let intruder: { token: string }
let admin: { token: string }
/** Someone whose account an admin disabled while they held a token. */
let disabled: { token: string }

/** Sets a role directly (the run's first account, whichever file registered it, is an admin). */
async function setRole(token: string, role: 'admin' | 'user'): Promise<void> {
  await query('UPDATE users SET role = ? WHERE id = ?', [role, await userId(token)])
}
/** A user only the login row signs in as. */
let walkUser: string

beforeAll(async () => {
  owner = await newOwner()
  // The owner's link the share routes name exists before any walk compares the owner's state.
  await shareOf({ headers: {}, imageId: owner.image.id })
  intruder = await signUp()
  // The intruder has an image of its own, so its requests reach real rows too.
  expect((await upload(intruder.token, await makeImage('png', 10, 10), 'theirs.png')).status).toBe(201)
  admin = await newOwner()
  await setRole(owner.token, 'user')
  await setRole(intruder.token, 'user')
  await setRole(admin.token, 'admin')
  disabled = await newOwner()
  const off = await fetch(`/api/admin/users/${await userId(disabled.token)}`, { method: 'PATCH', headers: { ...bearer(admin.token), 'content-type': 'application/json' }, body: JSON.stringify({ disabled: true }) })
  expect(off.status).toBe(200)
  walkUser = (await signUp()).username
})

const rows = Object.entries(ROUTES)
const protectedRows = rows.filter(([, row]) => row.access === 'protected')
const adminRows = rows.filter(([, row]) => row.access === 'admin')
const signedInRows = [...protectedRows, ...adminRows]

describe('the route table', () => {
  it('has a row for every route file under server/api, and no row without a file', async () => {
    expect(Object.keys(ROUTES).sort()).toEqual(await routeFiles())
  })
})

describe('an anonymous caller', () => {
  it.each(signedInRows)('gets 401 UNAUTHORIZED from %s and changes nothing', async (_, row) => {
    const before = await ownerState(owner)
    await expectAnswer(await send(row.request, { headers: {}, imageId: owner.image.id }), 401, 'UNAUTHORIZED')
    expect(await ownerState(owner)).toEqual(before)
  })

  it.each(rows.filter(([, row]) => row.access === 'public'))('is answered by the public route %s', async (_, row) => {
    await expectAnswer(await send(row.request, { headers: {}, imageId: owner.image.id }), row.status, row.code)
  })

  // Routes authenticate before they validate: without a session, a malformed request says nothing
  // about what the route would have accepted.
  const invalidRequests = signedInRows.flatMap(([file, row]) => (row.invalid ? [[file, row] as const] : []))
  it.each(invalidRequests)('learns nothing from validation: an invalid request to %s is a 401, not a 400', async (_, { invalid, access }) => {
    // invalidRequests holds only rows with `invalid`.
    const own = await send(invalid!, { headers: bearer(access === 'admin' ? admin.token : owner.token), imageId: owner.image.id })
    await expectAnswer(own, 400)
    await expectAnswer(await send(invalid!, { headers: {}, imageId: owner.image.id }), 401, 'UNAUTHORIZED')
  })
})

describe('the owner', () => {
  // A fresh owner per route: deleting the image or ending the session must not disturb the other rows.
  it.each(rows.filter(([, row]) => row.access !== 'admin'))('is served by %s', async (_, row) => {
    const fresh = await newOwner()
    const caller = { headers: bearer(fresh.token), imageId: fresh.image.id }
    await expectAnswer(await send(row.request, caller), row.status, row.code)
  })
})

describe('an admin', () => {
  // A fresh target per route: an admin route may disable or delete the user it names.
  it.each(adminRows)('is served by %s', async (_, row) => {
    const target = await newOwner()
    await expectAnswer(await send(row.request, { headers: bearer(admin.token), imageId: target.image.id }), row.status, row.code)
  })

  it.each(protectedRows.filter(([, row]) => row.other === 'not-found'))('gets 404 (never the photo) from %s for the owner\'s resource, and changes nothing', async (_, row) => {
    const before = await ownerState(owner)
    await expectAnswer(await send(row.request, { headers: bearer(admin.token), imageId: owner.image.id }), 404, row.notFound ?? 'IMAGE_NOT_FOUND')
    expect(await ownerState(owner)).toEqual(before)
  })

  it.each(protectedRows.filter(([, row]) => row.other === 'own'))('is served by %s with its own data only', async (_, row) => {
    const before = await ownerState(owner)
    const fresh = await newOwner()
    await setRole(fresh.token, 'admin')
    const text = await expectAnswer(await send(row.request, { headers: bearer(fresh.token), imageId: owner.image.id }), row.status)
    expect(text).not.toContain(owner.image.url)
    expect(await ownerState(owner)).toEqual(before)
  })
})

describe('a disabled user', () => {
  it.each(signedInRows)('gets 401 UNAUTHORIZED from %s: the session ended when the account was disabled', async (_, row) => {
    const before = await ownerState(owner)
    await expectAnswer(await send(row.request, { headers: bearer(disabled.token), imageId: owner.image.id }), 401, 'UNAUTHORIZED')
    expect(await ownerState(owner)).toEqual(before)
  })
})

describe('another signed-in user', () => {
  it.each(protectedRows.filter(([, row]) => row.other === 'not-found'))('gets 404 IMAGE_NOT_FOUND or ALBUM_NOT_FOUND (never 403) from %s for the owner\'s image or album, and changes nothing', async (_, row) => {
    const before = await ownerState(owner)
    const caller = { headers: bearer(intruder.token), imageId: owner.image.id }
    await expectAnswer(await send(row.request, caller), 404, row.notFound ?? 'IMAGE_NOT_FOUND')
    expect(await ownerState(owner)).toEqual(before)
  })

  it.each(protectedRows.filter(([, row]) => row.other === 'own'))('is served by %s with its own data only: nothing of the owner\'s shown or changed', async (_, row) => {
    const before = await ownerState(owner)
    const other = await signUp()
    const caller = { headers: bearer(other.token), imageId: owner.image.id }
    const text = await expectAnswer(await send(row.request, caller), row.status)
    expect(text).not.toContain(owner.username)
    expect(text).not.toContain(owner.image.url)
    expect(await ownerState(owner)).toEqual(before)
  })

  it('meets every protected route in one of the two ways', () => {
    expect(protectedRows.filter(([, row]) => !row.other).map(([file]) => file)).toEqual([])
  })

  it.each(adminRows)('gets 403 FORBIDDEN from the admin route %s, and changes nothing', async (_, row) => {
    const before = await ownerState(owner)
    await expectAnswer(await send(row.request, { headers: bearer(intruder.token), imageId: owner.image.id }), 403, 'FORBIDDEN')
    expect(await ownerState(owner)).toEqual(before)
  })
})

describe('the owner after all the walks', () => {
  it('still has the image, served to it and to nobody else', async () => {
    const res = await fetch(owner.image.url, { headers: bearer(owner.token) })
    expect(res.status).toBe(200)
    await res.arrayBuffer()
    const list = await (await fetch('/api/images', { headers: bearer(owner.token) })).json() as Array<{ id: number }>
    expect(list.map(i => i.id)).toEqual([owner.image.id])
    const login = await postJson('/api/login', { username: owner.username, password: PASSWORD })
    expect(login.status).toBe(200)
  })
})
