import { randomBytes } from 'node:crypto'
import Redis from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { rateLimitCases, SMALL_LIMITS } from '../setup/rateLimit'
import { startServer } from '../setup/server'

const prefix = `gallery-test-${randomBytes(4).toString('hex')}`
await startServer({ ...SMALL_LIMITS, REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: prefix })

const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true })
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`)
  if (keys.length) await redis.del(...keys)
  redis.disconnect()
})

describe('rate limits kept in Redis', () => {
  rateLimitCases()

  it('keeps the counters in Redis, where other instances see them', async () => {
    const keys = await redis.keys(`${prefix}:*`)
    expect(keys.some(k => k.includes('login:user:'))).toBe(true)
    expect(keys.some(k => k.includes('register:ip:'))).toBe(true)
  })
})
