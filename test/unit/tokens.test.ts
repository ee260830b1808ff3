import { SignJWT, UnsecuredJWT } from 'jose'
import { beforeAll, describe, expect, it, vi } from 'vitest'

const SECRET = 'unit-test-secret-unit-test-secret-0123456789'
let tokens: typeof import('../../server/features/auth/tokens')

beforeAll(async () => {
  process.env.JWT_SECRET_KEY = SECRET
  tokens = await import('../../server/features/auth/tokens')
})

const key = (secret = SECRET) => new TextEncoder().encode(secret)
const now = () => Math.floor(Date.now() / 1000)
const farFuture = new Date(Date.now() + 86400_000)

async function sign(claims: Record<string, unknown>, { alg = 'HS256', secret = SECRET, exp = now() + 60 }: { alg?: string, secret?: string, exp?: number | null } = {}) {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg }).setSubject('7').setJti('j1').setIssuedAt()
  if (exp !== null) jwt = jwt.setExpirationTime(exp)
  return jwt.sign(key(secret))
}

describe('tokens', () => {
  it('round-trips the claims of a signed token', async () => {
    const { token, exp } = await tokens.signToken(7, 'session-1', 'jti-1', farFuture)
    expect(await tokens.verifyToken(token)).toEqual({ userId: 7, sessionId: 'session-1', jti: 'jti-1', exp, cookie: false })
  })

  it('signs a session\'s JSON token and its cookie token alike, marking only the cookie\'s', async () => {
    const { token, cookieToken, exp } = await tokens.signSessionTokens(7, 'session-1', 'jti-1', farFuture)
    expect(cookieToken).not.toBe(token)
    expect(await tokens.verifyToken(token)).toEqual({ userId: 7, sessionId: 'session-1', jti: 'jti-1', exp, cookie: false })
    expect(await tokens.verifyToken(cookieToken)).toEqual({ userId: 7, sessionId: 'session-1', jti: 'jti-1', exp, cookie: true })
  })

  it.each([['"true"', 'true'], ['1', 1], ['false', false]])('does not take ck: %s for the cookie mark', async (_, ck) => {
    expect((await tokens.verifyToken(await sign({ user_id: 7, sid: 's', ck })))?.cookie).toBe(false)
  })

  it('never lets a token outlive its session', async () => {
    const sessionEnd = new Date(Date.now() + 30_000)
    const { exp } = await tokens.signToken(7, 's', 'j', sessionEnd)
    expect(exp).toBe(Math.floor(sessionEnd.getTime() / 1000))
  })

  it.each([
    ['alg none', async () => new UnsecuredJWT({ user_id: 7, sid: 's' }).setSubject('7').setJti('j').setIssuedAt().setExpirationTime('1h').encode()],
    ['HS512', () => sign({ user_id: 7, sid: 's' }, { alg: 'HS512' })],
    ['another key', () => sign({ user_id: 7, sid: 's' }, { secret: 'another-secret-another-secret-0123456789' })],
    ['the seed placeholder key', () => sign({ user_id: 7, sid: 's' }, { secret: 'your-jwt-secret-key' })],
    ['an expired token', () => sign({ user_id: 7, sid: 's' }, { exp: now() - 60 })],
    ['no exp', () => sign({ user_id: 7, sid: 's' }, { exp: null })],
    ['no session id', () => sign({ user_id: 7 })],
    ['user_id disagreeing with sub', () => sign({ user_id: 8, sid: 's' })],
    ['garbage', async () => 'a.b.c'],
  ])('refuses %s', async (_, make) => {
    expect(await tokens.verifyToken(await make())).toBeUndefined()
  })

  it('refuses a token whose payload was tampered with', async () => {
    const { token } = await tokens.signToken(7, 's', 'j', farFuture)
    const [header, payload, signature] = token.split('.')
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString())
    const forged = Buffer.from(JSON.stringify({ ...claims, user_id: 1, sub: '1' })).toString('base64url')
    expect(await tokens.verifyToken(`${header}.${forged}.${signature}`)).toBeUndefined()
  })
})

describe('verified-token cache', () => {
  it('still refuses a token once it has expired, after it was accepted before', async () => {
    const { token } = await tokens.signToken(7, 's', 'j', new Date(Date.now() + 60_000))
    expect(await tokens.verifyToken(token)).toBeDefined()
    vi.useFakeTimers({ now: Date.now() + 2 * 3600_000 })
    try {
      expect(await tokens.verifyToken(token)).toBeUndefined()
    }
    finally {
      vi.useRealTimers()
    }
  })
})
