import { fetch } from '@nuxt/test-utils/e2e'
import { expect, it } from 'vitest'
import { PASSWORD, postJson, signUp, uniqueName } from './api'

/** Environment for a server with small limits: 3 failed logins per user, 6 per address, 4 registrations per address. */
export const SMALL_LIMITS = { RATE_LIMIT_LOGIN_PER_USER: '3', RATE_LIMIT_LOGIN_PER_IP: '6', RATE_LIMIT_REGISTER_PER_IP: '4' }

/** The same behaviour checked against whichever storage the server was started with. */
export function rateLimitCases() {
  it('locks a username after 3 failed logins with 429 and Retry-After, even for the right password', async () => {
    const { username } = await signUp()
    for (let i = 0; i < 3; i++) expect((await postJson('/api/login', { username, password: 'wrong password' })).status).toBe(401)
    const limited = await postJson('/api/login', { username, password: PASSWORD })
    expect(limited.status).toBe(429)
    expect(await limited.json()).toEqual({ message: '尝试次数过多，请稍后再试', code: 'RATE_LIMITED' })
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('counts failures per address across usernames', async () => {
    // 3 failures were counted for this address by the previous test; 3 more reach the limit of 6.
    for (let i = 0; i < 3; i++) expect((await postJson('/api/login', { username: uniqueName(), password: 'wrong password' })).status).toBe(401)
    expect((await postJson('/api/login', { username: uniqueName(), password: 'wrong password' })).status).toBe(429)
  })

  it('limits registrations per address', async () => {
    // signUp in the first test used 1 of 4.
    for (let i = 0; i < 3; i++) expect((await postJson('/api/register', { username: uniqueName(), password: PASSWORD })).status).toBe(201)
    const res = await postJson('/api/register', { username: uniqueName(), password: PASSWORD })
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/)
    expect((await fetch('/api/health')).status).toBe(200)
  })
}
