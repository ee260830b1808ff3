import { randomBytes } from 'node:crypto'
import { fetch } from '@nuxt/test-utils/e2e'
import { expect, it } from 'vitest'
import { PASSWORD, postJson, uniqueName } from './api'

/**
 * A server with small limits behind one trusted proxy (TRUST_PROXY=1): each test plays its clients
 * from addresses of its own by sending the X-Forwarded-For entry the proxy would have appended, so
 * no test uses up another's budget and the order of the tests does not matter.
 */
export const LIMITS = { perUser: 10, perAddress: 25, attemptsPerAddress: 40, registerPerAddress: 4 }
export const RATE_LIMIT_ENV = {
  TRUST_PROXY: '1',
  RATE_LIMIT_LOGIN_PER_USER: String(LIMITS.perUser),
  RATE_LIMIT_LOGIN_PER_IP: String(LIMITS.perAddress),
  RATE_LIMIT_LOGIN_ATTEMPTS_PER_IP: String(LIMITS.attemptsPerAddress),
  RATE_LIMIT_REGISTER_PER_IP: String(LIMITS.registerPerAddress),
}
const WINDOW_SECONDS = 15 * 60

/** An IPv4 address no other test uses (10.0.0.0/8 has room enough for random picks). */
export const newAddress = () => `10.${[...randomBytes(3)].join('.')}`

/** The header a trusted proxy in front of us sends for a client at `address`, after whatever the client itself put there. */
export const via = (address: string, clientSent?: string) => ({ 'x-forwarded-for': clientSent ? `${clientSent}, ${address}` : address })

const login = (username: string, password: string, address: string, clientSent?: string) =>
  postJson('/api/login', { username, password }, via(address, clientSent))

/** Registers a fresh user from an address of its own (the register limit is small here). */
async function newUser(): Promise<string> {
  const username = uniqueName()
  const res = await postJson('/api/register', { username, password: PASSWORD }, via(newAddress()))
  expect(res.status).toBe(201)
  return username
}

/** Answer statuses counted: `{ 401: 10, 429: 50 }`. Every 429 must carry a usable Retry-After. */
async function tally(responses: Array<Promise<Response>>): Promise<Record<number, number>> {
  const counts: Record<number, number> = {}
  for (const res of await Promise.all(responses)) {
    counts[res.status] = (counts[res.status] ?? 0) + 1
    if (res.status === 429) {
      const retryAfter = res.headers.get('retry-after') ?? ''
      expect(retryAfter).toMatch(/^\d+$/)
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1)
      expect(Number(retryAfter)).toBeLessThanOrEqual(WINDOW_SECONDS)
    }
    await res.body?.cancel()
  }
  return counts
}

const times = <T>(n: number, make: (index: number) => T): T[] => Array.from({ length: n }, (_, index) => make(index))

/** The same behaviour checked against whichever store the server was started with. */
export function rateLimitCases() {
  it('locks a username after 10 failed logins with 429 and Retry-After, even for the right password', async () => {
    const username = await newUser()
    const address = newAddress()
    for (let i = 0; i < LIMITS.perUser; i++) expect((await login(username, 'wrong password', address)).status).toBe(401)
    const limited = await login(username, PASSWORD, address)
    expect(limited.status).toBe(429)
    expect(await limited.json()).toEqual({ message: '尝试次数过多，请稍后再试', code: 'RATE_LIMITED' })
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    // The lock is on the name, not the address: the right password from elsewhere is refused too.
    expect((await login(username, PASSWORD, newAddress())).status).toBe(429)
  })

  it('evaluates at most 10 of 60 parallel wrong-password logins for one user; the rest get 429', async () => {
    const username = await newUser()
    const address = newAddress()
    // 60 attempts from one address: the every-attempt limit (40) refuses 20, the per-user limit all but 10 of the rest.
    expect(await tally(times(60, () => login(username, 'wrong password', address)))).toEqual({ 401: 10, 429: 50 })
    expect((await login(username, PASSWORD, newAddress())).status).toBe(429)
  })

  it('holds both limits in a mixed burst: many users from one address, one user from many addresses', async () => {
    const crowded = newAddress()
    const target = await newUser()
    const fromOneAddress = times(40, () => login(uniqueName(), 'wrong password', crowded))
    const atOneUser = times(30, () => login(target, 'wrong password', newAddress()))
    const [oneAddress, oneUser] = await Promise.all([tally(fromOneAddress), tally(atOneUser)])
    expect(oneAddress).toEqual({ 401: LIMITS.perAddress, 429: 40 - LIMITS.perAddress })
    expect(oneUser).toEqual({ 401: LIMITS.perUser, 429: 30 - LIMITS.perUser })
  })

  it('counts every login attempt per address, but a successful one not as a failure', async () => {
    const username = await newUser()
    const address = newAddress()
    // 40 successes: more than the failure limits per user (10) and per address (25) allow failures.
    for (let i = 0; i < LIMITS.attemptsPerAddress; i++) expect((await login(username, PASSWORD, address)).status).toBe(200)
    expect((await login(username, PASSWORD, address)).status).toBe(429)
    // The address's attempts are used up, not the user's: from elsewhere a wrong password is evaluated.
    expect((await login(username, 'wrong password', newAddress())).status).toBe(401)
  })

  it('forgets a user\'s failed logins once the right password is given', async () => {
    const username = await newUser()
    const address = newAddress()
    for (let i = 0; i < LIMITS.perUser - 1; i++) expect((await login(username, 'wrong password', address)).status).toBe(401)
    expect((await login(username, PASSWORD, address)).status).toBe(200)
    expect(await tally(times(LIMITS.perUser + 5, () => login(username, 'wrong password', address)))).toEqual({ 401: LIMITS.perUser, 429: 5 })
  })

  it('counts a client by the address the trusted proxy appended, whatever it puts in front', async () => {
    const address = newAddress()
    const spoofed = times(30, () => login(uniqueName(), 'wrong password', address, newAddress()))
    expect(await tally(spoofed)).toEqual({ 401: LIMITS.perAddress, 429: 30 - LIMITS.perAddress })
  })

  it('counts an IPv6 client by its /64, whichever of its addresses it uses', async () => {
    const prefix = `2001:db8:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}`
    const fromOneNetwork = times(30, () => login(uniqueName(), 'wrong password', `${prefix}:${randomBytes(2).toString('hex')}::${randomBytes(2).toString('hex')}`))
    expect(await tally(fromOneNetwork)).toEqual({ 401: LIMITS.perAddress, 429: 30 - LIMITS.perAddress })
  })

  it('limits registrations per address, also when they arrive at once', async () => {
    const address = newAddress()
    const burst = times(12, () => postJson('/api/register', { username: uniqueName(), password: PASSWORD }, via(address)))
    expect(await tally(burst)).toEqual({ 201: LIMITS.registerPerAddress, 429: 12 - LIMITS.registerPerAddress })
    expect((await postJson('/api/register', { username: uniqueName(), password: PASSWORD }, via(newAddress()))).status).toBe(201)
    expect((await fetch('/api/health')).status).toBe(200)
  })
}
