import { fetch } from '@nuxt/test-utils/e2e'
import { describe, expect, it } from 'vitest'
import { bearer, PASSWORD, postJson, signUp, uniqueName } from '../setup/api'
import { startServer } from '../setup/server'

await startServer()

describe('register', () => {
  it('creates an account with the seed message', async () => {
    const res = await postJson('/api/register', { username: uniqueName(), password: PASSWORD })
    expect(res.status).toBe(201)
    expect(await res.json()).toEqual({ message: '注册成功' })
  })

  it('answers 409 for a name that is taken, compared case-insensitively', async () => {
    const name = uniqueName('Case')
    await postJson('/api/register', { username: name, password: PASSWORD })
    const res = await postJson('/api/register', { username: name.toUpperCase(), password: PASSWORD })
    expect(res.status).toBe(409)
    expect(await res.json()).toEqual({ message: '用户名已存在', code: 'USERNAME_TAKEN' })
  })

  it.each([
    ['a too-short name', { username: 'ab', password: PASSWORD }],
    ['a name with a space', { username: 'a b c', password: PASSWORD }],
    ['a too-short password', { username: uniqueName(), password: 'short' }],
    ['a missing password', { username: uniqueName() }],
    ['a non-string name', { username: ['a'], password: PASSWORD }],
  ])('refuses %s with 400', async (_, body) => {
    const res = await postJson('/api/register', body)
    expect(res.status).toBe(400)
    const json = await res.json()
    expect(json.code).toBe('VALIDATION_ERROR')
    expect(typeof json.message).toBe('string')
  })

  it('accepts a 64-character CJK password and tells it apart from one differing after byte 72', async () => {
    const username = uniqueName()
    const password = '密'.repeat(63) + '码'
    expect((await postJson('/api/register', { username, password })).status).toBe(201)
    expect((await postJson('/api/login', { username, password })).status).toBe(200)
    expect((await postJson('/api/login', { username, password: '密'.repeat(64) })).status).toBe(401)
  })
})

describe('login', () => {
  it('returns a token, the seed message and an httpOnly SameSite cookie', async () => {
    const username = uniqueName()
    await postJson('/api/register', { username, password: PASSWORD })
    const res = await postJson('/api/login', { username, password: PASSWORD })
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body.message).toBe('登录成功')
    expect(body.token.split('.')).toHaveLength(3)
    const cookie = res.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/^gallery_token=/)
    expect(cookie).toMatch(/HttpOnly/i)
    expect(cookie).toMatch(/SameSite=Lax/i)
  })

  it('answers a wrong password and an unknown user identically', async () => {
    const { username } = await signUp()
    const wrong = await postJson('/api/login', { username, password: 'not the password' })
    const unknown = await postJson('/api/login', { username: uniqueName(), password: 'not the password' })
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    expect(await wrong.json()).toEqual(await unknown.json())
  })
})

describe('tokens', () => {
  it('answers /api/me with the signed-in user', async () => {
    const { username, token } = await signUp()
    const res = await fetch('/api/me', { headers: bearer(token) })
    expect(res.status).toBe(200)
    const me = await res.json()
    expect(me.username).toBe(username)
    expect(Number.isInteger(me.id)).toBe(true)
    expect(Date.parse(me.created_at)).not.toBeNaN()
  })

  it.each([
    ['no token', {}],
    ['a malformed token', { authorization: 'Bearer not.a.jwt' }],
    ['a non-bearer scheme', { authorization: 'Basic abc' }],
  ])('answers 401 for %s', async (_, headers) => {
    const res = await fetch('/api/images', { headers })
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({ message: '未登录或登录已过期', code: 'UNAUTHORIZED' })
  })

  it('refuses a token after logout', async () => {
    const { token } = await signUp()
    const out = await fetch('/api/logout', { method: 'POST', headers: bearer(token) })
    expect(out.status).toBe(200)
    expect(await out.json()).toEqual({ message: '登出成功' })
    expect((await fetch('/api/me', { headers: bearer(token) })).status).toBe(401)
    expect((await fetch('/api/refresh', { method: 'POST', headers: bearer(token) })).status).toBe(401)
  })

  it('rotates on refresh: the new token works, the previous one stops', async () => {
    const { token } = await signUp()
    const res = await fetch('/api/refresh', { method: 'POST', headers: bearer(token) })
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body.message).toBe('token刷新成功')
    expect(body.token).not.toBe(token)
    expect((await fetch('/api/me', { headers: bearer(body.token) })).status).toBe(200)
    expect((await fetch('/api/me', { headers: bearer(token) })).status).toBe(401)
    expect((await fetch('/api/refresh', { method: 'POST', headers: bearer(token) })).status).toBe(401)
  })

  it('keeps other sessions of the same user alive after one logs out', async () => {
    const { username, token } = await signUp()
    const second = await (await postJson('/api/login', { username, password: PASSWORD })).json()
    await fetch('/api/logout', { method: 'POST', headers: bearer(token) })
    expect((await fetch('/api/me', { headers: bearer(second.token) })).status).toBe(200)
  })

  it('accepts the session cookie for reads and refuses a cross-site write made with it', async () => {
    const { username } = await signUp()
    const login = await postJson('/api/login', { username, password: PASSWORD })
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!
    expect((await fetch('/api/me', { headers: { cookie } })).status).toBe(200)
    const cross = await fetch('/api/logout', { method: 'POST', headers: { cookie, 'origin': 'https://evil.example', 'sec-fetch-site': 'cross-site' } })
    expect(cross.status).toBe(403)
    expect((await cross.json()).code).toBe('CSRF_REJECTED')
    expect((await fetch('/api/me', { headers: { cookie } })).status).toBe(200)
  })
})

describe('health', () => {
  it('reports ok while the database answers', async () => {
    const res = await fetch('/api/health')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok' })
  })

  it('answers unknown API paths with a JSON 404', async () => {
    const res = await fetch('/api/nope')
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ message: '接口不存在', code: 'NOT_FOUND' })
  })
})
