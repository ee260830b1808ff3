import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RateLimiterMemory } from 'rate-limiter-flexible'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

const saved = { ...process.env }
beforeEach(() => {
  // Development settings, no REDIS_URL: the memory store.
  Object.assign(process.env, { NODE_ENV: 'development', GALLERY_DATA_DIR: mkdtempSync(join(tmpdir(), 'gallery-rl-')), RATE_LIMIT_WINDOW: '60', RATE_LIMIT_LOGIN_PER_IP: '10' })
  Reflect.deleteProperty(process.env, 'REDIS_URL')
  vi.resetModules()
})
afterEach(() => {
  process.env = { ...saved }
  vi.useRealTimers()
})

const load = async () => {
  const { consume, Limit } = await import('../../server/infra/rateLimit')
  return { consume, limit: new Limit('unit', limits => limits.loginPerAddress) }
}

/** The keys the memory store holds right now. */
function storedKeys(limit: { limiter: unknown }): number {
  expect(limit.limiter).toBeInstanceOf(RateLimiterMemory)
  return (limit.limiter as RateLimiterMemory).dump().storage.length
}

describe('rate limits in memory', () => {
  it('lets exactly the limit through when 60 attempts arrive at once; the rest get 429 with Retry-After', async () => {
    const { consume, limit } = await load()
    const results = await Promise.allSettled(Array.from({ length: 60 }, () => consume(limit.charge('one key'))))
    expect(results.filter(r => r.status === 'fulfilled')).toHaveLength(10)
    for (const result of results.filter(r => r.status === 'rejected')) {
      expect(result.reason).toMatchObject({ statusCode: 429, data: { code: 'RATE_LIMITED', headers: { 'Retry-After': '60' } } })
    }
  })

  it('does not grow with every address ever seen: keys go when their window ends', async () => {
    vi.useFakeTimers()
    const { consume, limit } = await load()
    for (let i = 0; i < 5000; i++) await consume(limit.charge(`10.0.${i >> 8}.${i & 0xFF}`))
    expect(storedKeys(limit)).toBe(5000)
    vi.advanceTimersByTime(59_000)
    expect(storedKeys(limit)).toBe(5000)
    vi.advanceTimersByTime(1_000)
    expect(storedKeys(limit)).toBe(0)
  })

  it('refuses all or nothing: a charge refused by one limit is given back to the others', async () => {
    const { consume, limit } = await load()
    const { Limit } = await import('../../server/infra/rateLimit')
    const roomy = new Limit('roomy', limits => limits.loginAttemptsPerAddress)
    for (let i = 0; i < 10; i++) await consume(limit.charge('full'))
    await expect(consume(roomy.charge('other'), limit.charge('full'))).rejects.toMatchObject({ statusCode: 429 })
    expect(await roomy.limiter.get('other')).toMatchObject({ consumedPoints: 0 })
  })
})
