import type { H3Event } from 'h3'
import { getRequestIP } from 'h3'
import { useStorage } from 'nitropack/runtime'
import { useConfig } from './config'
import { apiError } from './http/errors'

interface Window { count: number, resetAt: number }

/** Limits per window (config: RATE_LIMIT_*). */
export const rateLimits = () => useConfig().rateLimits

/** The client address; X-Forwarded-For only when TRUST_PROXY says a proxy in front sets it. */
export function clientAddress(event: H3Event): string {
  return getRequestIP(event, { xForwardedFor: useConfig().trustProxyHops > 0 }) ?? 'unknown'
}

const storage = () => useStorage<Window>('ratelimit')

async function current(key: string): Promise<Window | undefined> {
  const window = await storage().getItem(key)
  return window && window.resetAt > Date.now() ? window : undefined
}

/** Throws 429 with Retry-After when any of the keys has used up its limit. Reads only; it counts nothing. */
export async function assertNotLimited(checks: Array<[key: string, limit: number]>): Promise<void> {
  for (const [key, limit] of checks) {
    const window = await current(key)
    if (window && window.count >= limit) {
      const retryAfter = Math.max(1, Math.ceil((window.resetAt - Date.now()) / 1000))
      throw apiError('RATE_LIMITED', { headers: { 'Retry-After': String(retryAfter) } })
    }
  }
}

/** Counts one event against each key (fixed window). */
export async function countAttempt(...keys: string[]): Promise<void> {
  const { windowSeconds } = rateLimits()
  await Promise.all(keys.map(async (key) => {
    const window = await current(key) ?? { count: 0, resetAt: Date.now() + windowSeconds * 1000 }
    window.count++
    await storage().setItem(key, window, { ttl: windowSeconds })
  }))
}

export const forgetAttempts = (...keys: string[]) => Promise.all(keys.map(key => storage().removeItem(key)))
