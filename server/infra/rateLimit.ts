import { Redis } from 'ioredis'
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'
import { useConfig, type RateLimitSettings } from './config'
import { apiError, serviceUnavailable } from './http/errors'

/**
 * Rate limits that count before they compare: every attempt increments its counter atomically (a
 * Lua script in Redis when REDIS_URL is set, so several instances share the counts; process memory
 * otherwise) and is let through only when the count it got back is within the limit. N parallel
 * attempts therefore never all pass a limit below N. Windows are fixed, starting at a key's first
 * attempt; a key disappears when its window ends, in memory as in Redis.
 */

// The routes take the address from here, next to the limits it feeds.
export { clientAddress } from './http/clientAddress'

/** How long a request waits for a Redis connection that is (re)connecting before it answers 503. */
const REDIS_READY_WAIT_MS = 1000
/** A Redis that accepts the connection but does not answer (frozen, partitioned) fails the command after this. */
const REDIS_COMMAND_TIMEOUT_MS = 2000

let redis: Redis | undefined
let redisHealthy = true
let nextReady: Promise<void> | undefined

function reportRedis(problem: string): void {
  if (!redisHealthy) return
  redisHealthy = false
  console.error(`[gallery] rate limits: Redis unavailable (${problem}); logins and registrations answer 503 until it is back`)
}

function useRedis(url: string): Redis {
  if (redis) return redis
  // No offline queue: while Redis is away a command fails at once instead of waiting in a queue, so a
  // request answers 503 rather than hanging (or, worse, passing unlimited).
  redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: REDIS_COMMAND_TIMEOUT_MS })
  redis.on('error', (error: Error) => reportRedis(error.message))
  redis.on('ready', () => {
    if (!redisHealthy) console.info('[gallery] rate limits: Redis is back')
    redisHealthy = true
  })
  return redis
}

/** Resolves when the Redis connection is usable; waits briefly for a (re)connect in progress, then gives up. */
function redisReady(client: Redis): Promise<void> {
  if (client.status === 'ready') return Promise.resolve()
  // One shared listener for all waiting requests (one each would trip the max-listeners warning in a burst).
  nextReady ??= new Promise<void>(resolve => client.once('ready', () => {
    nextReady = undefined
    resolve()
  }))
  const ready = nextReady
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not connected (${client.status})`)), REDIS_READY_WAIT_MS)
    void ready.then(() => {
      clearTimeout(timer)
      resolve()
    })
  })
}

/** A named limit: `points` attempts per key per window (`windowSeconds`, else RATE_LIMIT_WINDOW). */
export class Limit {
  #limiter: RateLimiterAbstract | undefined

  constructor(readonly name: string, private readonly points: (settings: RateLimitSettings) => number, private readonly windowSeconds?: number) {}

  /** Made on first use, when the configuration is known. */
  get limiter(): RateLimiterAbstract {
    return this.#limiter ??= createLimiter(this.name, this.points(useConfig().rateLimits), this.windowSeconds ?? useConfig().rateLimits.windowSeconds)
  }

  /** One attempt by `key` (a username, an address bucket) against this limit. */
  charge(key: string): Charge {
    return { limit: this, key }
  }
}

export interface Charge { limit: Limit, key: string }

/** The counter behind a limit: in Redis (keys `<REDIS_PREFIX>:rl:<name>:<key>`) when configured, else in memory. */
export function createLimiter(name: string, points: number, windowSeconds: number): RateLimiterAbstract {
  const { redisUrl, redisPrefix } = useConfig()
  if (!redisUrl) return new RateLimiterMemory({ keyPrefix: name, points, duration: windowSeconds })
  return new RateLimiterRedis({ storeClient: useRedis(redisUrl), keyPrefix: `${redisPrefix}:rl:${name}`, points, duration: windowSeconds, rejectIfRedisNotReady: true })
}

/** Runs one store operation, first waiting (briefly) for Redis when that is the store. */
async function run<T>(limit: Limit, operation: (limiter: RateLimiterAbstract) => Promise<T>): Promise<T> {
  const limiter = limit.limiter // first, so that the Redis client exists before the wait below
  if (redis) await redisReady(redis)
  return operation(limiter)
}

/**
 * Counts one attempt against every charge, all or nothing: when any limit is used up, the attempt
 * is refused with 429 and a Retry-After (seconds until the latest of the refusing windows ends), and
 * the charges that had got through are given back — an attempt that was never evaluated does not
 * count against the limits that let it pass. 503 when the store cannot be reached: neither letting
 * every attempt through nor a 500.
 */
export async function consume(...charges: Charge[]): Promise<void> {
  const results = await Promise.allSettled(charges.map(({ limit, key }) => run(limit, limiter => limiter.consume(key))))
  const refused: RateLimiterRes[] = []
  let storeError: unknown
  for (const result of results) {
    if (result.status === 'fulfilled') continue
    if (result.reason instanceof RateLimiterRes) refused.push(result.reason)
    else storeError ??= result.reason
  }
  if (!refused.length && storeError === undefined) return
  await giveBack(charges.filter((_, index) => results[index]?.status === 'fulfilled'))
  if (storeError !== undefined) {
    if (!redis) throw storeError // the memory store does not fail: this is a bug, a 500
    reportRedis(storeError instanceof Error ? storeError.message : String(storeError))
    throw serviceUnavailable()
  }
  const retryAfter = Math.max(1, ...refused.map(res => Math.ceil(res.msBeforeNext / 1000)))
  throw apiError('RATE_LIMITED', { headers: { 'Retry-After': String(retryAfter) } })
}

/** Takes back one counted attempt per charge (an attempt that turned out not to count). Best effort: the answer does not depend on it. */
export async function giveBack(charges: Charge[]): Promise<void> {
  await settle(charges.map(({ limit, key }) => run(limit, limiter => limiter.reward(key))))
}

/** Clears each charge's key: its window starts afresh. Best effort, like giveBack. */
export async function forget(charges: Charge[]): Promise<void> {
  await settle(charges.map(({ limit, key }) => run(limit, limiter => limiter.delete(key))))
}

async function settle(operations: Array<Promise<unknown>>): Promise<void> {
  for (const result of await Promise.allSettled(operations)) {
    if (result.status === 'rejected') reportRedis(result.reason instanceof Error ? result.reason.message : String(result.reason))
  }
}

/** Closes the Redis connection, if one was made (graceful shutdown, server/plugins/shutdown.ts). */
export async function closeRedis(): Promise<void> {
  const client = redis
  redis = undefined
  if (client) await client.quit().catch(() => client.disconnect())
}
