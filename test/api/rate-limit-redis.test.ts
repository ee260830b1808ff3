import { randomBytes } from 'node:crypto'
import Redis from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { PASSWORD, postJson, uniqueName } from '../setup/api'
import { newAddress, RATE_LIMIT_ENV, rateLimitCases, via } from '../setup/rateLimit'
import { startServer } from '../setup/server'

const REDIS_URL = 'redis://127.0.0.1:6379'
const prefix = `gallery-test-${randomBytes(4).toString('hex')}`
await startServer({ ...RATE_LIMIT_ENV, REDIS_URL, REDIS_PREFIX: prefix })

const redis = new Redis(REDIS_URL, { lazyConnect: true })
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`)
  if (keys.length) await redis.del(...keys)
  redis.disconnect()
})

describe('rate limits kept in Redis', () => {
  rateLimitCases()

  it('keeps the counters in Redis under REDIS_PREFIX, where other instances see them, expiring with their window', async () => {
    const username = uniqueName()
    const address = newAddress()
    expect((await postJson('/api/register', { username, password: PASSWORD }, via(address))).status).toBe(201)
    expect((await postJson('/api/login', { username, password: 'wrong password' }, via(address))).status).toBe(401)
    for (const key of [`${prefix}:rl:register-ip:${address}`, `${prefix}:rl:login-attempts-ip:${address}`, `${prefix}:rl:login-ip:${address}`, `${prefix}:rl:login-user:${username}`]) {
      expect(await redis.get(key), key).toBe('1')
      const ttl = await redis.pttl(key)
      expect(ttl, key).toBeGreaterThan(0)
      expect(ttl, key).toBeLessThanOrEqual(15 * 60 * 1000)
    }
  })
})
