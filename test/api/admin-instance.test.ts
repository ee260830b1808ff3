import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import mysql from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { makeImage, PASSWORD, uniqueName } from '../setup/api'
import { TEST_SECRET, TEST_SECRET_KEY } from '../setup/server'
import { expectApiError } from '../support/errors'
import { type OwnServer, startOwnServer } from './upload-server'

// SPEC §10 on a gallery of its own (its own database): what needs an empty database or changes the
// instance's settings — the first account is the admin (race-safe), the last admin stays, the
// registration modes and invites, the default quota, and `npm run user`. The run's shared database
// is left alone: other files register users there in parallel.

const ROOT = resolve(import.meta.dirname, '../..')
const dbName = `${inject('dbName')}_instance`
const dbSettings = { host: process.env.DB_HOST ?? '127.0.0.1', port: Number(process.env.DB_PORT ?? 3306), user: process.env.DB_USER ?? 'root', password: process.env.DB_PASSWORD ?? '' }
let server: OwnServer
let pool: mysql.Pool

beforeAll(async () => {
  const conn = await mysql.createConnection(dbSettings)
  await conn.query(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  await conn.end()
  pool = mysql.createPool({ ...dbSettings, database: dbName, connectionLimit: 4 })
  server = await startOwnServer({ DB_NAME: dbName })
})

afterAll(async () => {
  await server?.kill()
  await pool?.end()
  const conn = await mysql.createConnection(dbSettings)
  await conn.query(`DROP DATABASE IF EXISTS \`${dbName}\``)
  await conn.end()
})

async function query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  const [rows] = await pool.query(sql, params)
  return rows as T[]
}

const send = (method: string, path: string, token?: string, body?: unknown) => server.fetch(path, {
  method,
  headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
  body: body === undefined ? undefined : JSON.stringify(body),
})

const register = (username: string, invite?: string) => send('POST', '/api/register', undefined, { username, password: PASSWORD, ...(invite ? { invite } : {}) })

async function login(username: string, password = PASSWORD): Promise<string> {
  const res = await send('POST', '/api/login', undefined, { username, password })
  expect(res.status).toBe(200)
  return (await res.json()).token
}

async function idOf(username: string): Promise<number> {
  const [row] = await query<{ id: number }>('SELECT id FROM users WHERE username = ?', [username])
  return row!.id
}

let adminName: string
let adminToken: string

describe('the first account', () => {
  it('is the one admin when ten register at once on an empty database', async () => {
    const names = Array.from({ length: 10 }, () => uniqueName('first'))
    const statuses = await Promise.all(names.map(name => register(name).then(r => r.status)))
    expect(statuses).toEqual(names.map(() => 201))
    const admins = await query<{ username: string }>('SELECT username FROM users WHERE role = \'admin\'')
    expect(admins).toHaveLength(1)
    adminName = admins[0]!.username
    adminToken = await login(adminName)
    expect((await (await send('GET', '/api/me', adminToken)).json()).role).toBe('admin')
    const [plain] = names.filter(n => n !== adminName)
    expect((await (await send('GET', '/api/me', await login(plain!))).json()).role).toBe('user')
  })
})

describe('the last enabled admin', () => {
  it('cannot demote, disable or delete themself: 409 LAST_ADMIN, also through DELETE /api/account', async () => {
    const id = await idOf(adminName)
    await expectApiError(await send('PATCH', `/api/admin/users/${id}`, adminToken, { role: 'user' }), 409, 'LAST_ADMIN')
    await expectApiError(await send('PATCH', `/api/admin/users/${id}`, adminToken, { disabled: true }), 409, 'LAST_ADMIN')
    await expectApiError(await send('DELETE', `/api/admin/users/${id}`, adminToken), 409, 'LAST_ADMIN')
    await expectApiError(await send('DELETE', '/api/account', adminToken, { password: PASSWORD }), 409, 'LAST_ADMIN')
    expect(await query('SELECT role, disabled_at FROM users WHERE id = ?', [id])).toEqual([{ role: 'admin', disabled_at: null }])
    // A quota change is not a demotion.
    expect((await send('PATCH', `/api/admin/users/${id}`, adminToken, { quota_bytes: null, role: 'admin' })).status).toBe(200)
  })

  it('counts only enabled admins, and two admins stepping down at once leave one', async () => {
    const second = uniqueName('second')
    expect((await register(second)).status).toBe(201)
    const secondId = await idOf(second)
    expect((await send('PATCH', `/api/admin/users/${secondId}`, adminToken, { role: 'admin', disabled: true })).status).toBe(200)
    // A disabled admin does not count.
    await expectApiError(await send('PATCH', `/api/admin/users/${await idOf(adminName)}`, adminToken, { role: 'user' }), 409, 'LAST_ADMIN')
    expect((await send('PATCH', `/api/admin/users/${secondId}`, adminToken, { disabled: false })).status).toBe(200)
    const secondToken = await login(second)
    const statuses = await Promise.all([
      send('PATCH', `/api/admin/users/${await idOf(adminName)}`, adminToken, { role: 'user' }).then(r => r.status),
      send('PATCH', `/api/admin/users/${secondId}`, secondToken, { role: 'user' }).then(r => r.status),
    ])
    expect(statuses.sort()).toEqual([200, 409])
    const admins = await query<{ username: string }>('SELECT username FROM users WHERE role = \'admin\' AND disabled_at IS NULL')
    expect(admins).toHaveLength(1)
    adminName = admins[0]!.username
    adminToken = adminName === second ? secondToken : adminToken
  })
})

describe('registration modes', () => {
  it('closed: 403 REGISTRATION_CLOSED, nobody is added', async () => {
    const res = await send('PATCH', '/api/admin/settings', adminToken, { registration: 'closed' })
    expect(await res.json()).toEqual({ registration: 'closed', default_quota_bytes: null })
    const name = uniqueName('closed')
    await expectApiError(await register(name), 403, 'REGISTRATION_CLOSED')
    expect(await query('SELECT id FROM users WHERE username = ?', [name])).toEqual([])
    expect(await (await send('GET', '/api/admin/settings', adminToken)).json()).toEqual({ registration: 'closed', default_quota_bytes: null })
  })

  it('invite: missing is 403 INVITE_REQUIRED; unknown, expired or used is 400 INVITE_INVALID', async () => {
    expect((await send('PATCH', '/api/admin/settings', adminToken, { registration: 'invite' })).status).toBe(200)
    await expectApiError(await register(uniqueName('inv')), 403, 'INVITE_REQUIRED')
    await expectApiError(await register(uniqueName('inv'), 'no-such-invite'), 400, 'INVITE_INVALID')
    const expired = await (await send('POST', '/api/admin/invites', adminToken)).json()
    await query('UPDATE invites SET expires_at = CURRENT_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ?', [expired.id])
    await expectApiError(await register(uniqueName('inv'), expired.token), 400, 'INVITE_INVALID')
    // A taken name does not use the invite up.
    const invite = await (await send('POST', '/api/admin/invites', adminToken)).json()
    await expectApiError(await register(adminName, invite.token), 409, 'USERNAME_TAKEN')
    const name = uniqueName('inv')
    expect((await register(name, invite.token)).status).toBe(201)
    expect(await query('SELECT used_by FROM invites WHERE id = ?', [invite.id])).toEqual([{ used_by: await idOf(name) }])
    await expectApiError(await register(uniqueName('inv'), invite.token), 400, 'INVITE_INVALID')
  })

  // 50 bcrypt hashes: slow on a busy machine.
  it('invite: one link used by 50 registrations at once admits exactly one', { timeout: 120_000 }, async () => {
    const invite = await (await send('POST', '/api/admin/invites', adminToken)).json()
    const names = Array.from({ length: 50 }, () => uniqueName('race'))
    const answers = await Promise.all(names.map(name => register(name, invite.token)))
    const statuses = answers.map(r => r.status)
    expect(statuses.filter(s => s === 201)).toHaveLength(1)
    for (const res of answers.filter(r => r.status !== 201)) await expectApiError(res, 400, 'INVITE_INVALID')
    const [row] = await query<{ n: number }>('SELECT COUNT(*) AS n FROM users WHERE username IN (?)', [names])
    expect(Number(row!.n)).toBe(1)
  })

  it('open again: anyone registers', async () => {
    expect((await send('PATCH', '/api/admin/settings', adminToken, { registration: 'open' })).status).toBe(200)
    expect((await register(uniqueName('open'))).status).toBe(201)
  })
})

describe('the default quota', () => {
  it('applies to users without their own; their own quota wins', async () => {
    const name = uniqueName('quota')
    expect((await register(name)).status).toBe(201)
    const token = await login(name)
    const image = await makeImage('png', 120, 120)
    expect(await (await send('PATCH', '/api/admin/settings', adminToken, { default_quota_bytes: image.length - 1 })).json()).toMatchObject({ default_quota_bytes: image.length - 1 })
    try {
      expect((await (await send('GET', '/api/me', token)).json()).quota_bytes).toBe(image.length - 1)
      const form = () => {
        const body = new FormData()
        body.append('file', new Blob([new Uint8Array(image)], { type: 'image/png' }), 'q.png')
        return body
      }
      await expectApiError(await server.fetch('/api/images/upload', { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form() }), 413, 'QUOTA_EXCEEDED')
      expect(await query('SELECT id FROM images WHERE user_id = ?', [await idOf(name)])).toEqual([])
      expect((await send('PATCH', `/api/admin/users/${await idOf(name)}`, adminToken, { quota_bytes: 10_000_000 })).status).toBe(200)
      expect((await server.fetch('/api/images/upload', { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form() })).status).toBe(201)
    }
    finally {
      await send('PATCH', '/api/admin/settings', adminToken, { default_quota_bytes: null })
    }
  })
})

// Each run starts a Node process (about 2 s on a busy machine): these tests get more time.
describe('npm run user', { timeout: 120_000 }, () => {
  const run = (...args: string[]) => promisify(execFile)(process.execPath, [resolve(ROOT, 'scripts/user.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, DB_NAME: dbName, JWT_SECRET_KEY: TEST_SECRET, SECRET_KEY: TEST_SECRET_KEY, UPLOAD_FOLDER: server.uploadFolder },
  }).then(out => ({ code: 0, stdout: out.stdout, stderr: out.stderr }), (error: { code: number, stdout: string, stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }))

  it('promotes and demotes, but never the last enabled admin', async () => {
    const name = uniqueName('cli')
    expect((await register(name)).status).toBe(201)
    expect((await run('promote', name)).code).toBe(0)
    expect(await query('SELECT role FROM users WHERE username = ?', [name])).toEqual([{ role: 'admin' }])
    expect((await run('demote', name)).code).toBe(0)
    expect(await query('SELECT role FROM users WHERE username = ?', [name])).toEqual([{ role: 'user' }])
    const last = await run('demote', adminName)
    expect(last.code).toBe(1)
    expect(last.stderr).toContain('last enabled admin')
    const unknown = await run('promote', 'nobody_here_at_all')
    expect(unknown.code).toBe(1)
    expect((await run('frobnicate', name)).code).toBe(2)
    expect((await run('list')).stdout).toContain(`${name}\tuser`)
  })

  it('resets a password: prints a new one, ends every session', async () => {
    const name = uniqueName('reset')
    expect((await register(name)).status).toBe(201)
    const token = await login(name)
    const result = await run('reset-password', name)
    expect(result.code).toBe(0)
    const password = /: (\S+) \(/.exec(result.stdout)?.[1]
    expect(password).toBeTruthy()
    expect((await send('GET', '/api/me', token)).status).toBe(401)
    expect((await send('POST', '/api/login', undefined, { username: name, password: PASSWORD })).status).toBe(401)
    expect((await send('POST', '/api/login', undefined, { username: name, password })).status).toBe(200)
    const chosen = await new Promise<number>((done) => {
      const child = execFile(process.execPath, [resolve(ROOT, 'scripts/user.ts'), 'reset-password', name, '--password-stdin'], {
        cwd: ROOT,
        env: { ...process.env, DB_NAME: dbName, JWT_SECRET_KEY: TEST_SECRET, SECRET_KEY: TEST_SECRET_KEY, UPLOAD_FOLDER: server.uploadFolder },
      }, error => done(error ? 1 : 0))
      child.stdin!.end('a chosen new password\n')
    })
    expect(chosen).toBe(0)
    expect((await send('POST', '/api/login', undefined, { username: name, password: 'a chosen new password' })).status).toBe(200)
  })
})
