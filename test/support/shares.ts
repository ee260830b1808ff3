import { fetch } from '@nuxt/test-utils/e2e'
import { expect } from 'vitest'
import type { ShareCreatedDto } from '../../shared/contracts/shares'
import { bearer } from '../setup/api'
import { query } from './db'
import { sendJson } from './organize'

// Share links (SPEC §9) through the API: making them as an owner, opening them as a stranger.

/** Makes a share as `token`'s user; expects 201 and returns it. */
export async function makeShare(token: string, body: Record<string, unknown>): Promise<ShareCreatedDto> {
  const res = await sendJson('POST', '/api/shares', token, body)
  expect(res.status, await res.clone().text()).toBe(201)
  return res.json()
}

/** The public view as a stranger (no account; optional cookie). */
export const openShare = (shareToken: string, query = '', headers: Record<string, string> = {}) =>
  fetch(`/api/s/${shareToken}${query}`, { headers })

/** Unlocks a share with a password, from a client address (the test server trusts one proxy hop). */
export const unlock = (shareToken: string, password: unknown, address = '127.0.0.1', headers: Record<string, string> = {}) =>
  fetch(`/api/s/${shareToken}/unlock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': address, ...headers },
    body: JSON.stringify({ password }),
  })

/** The `name=value` of the Set-Cookie a response carries (for sending back), and its attributes. */
export function cookieOf(res: Response): { pair: string, attributes: string } {
  const header = res.headers.getSetCookie()[0] ?? ''
  const [pair = '', ...attributes] = header.split(';').map(part => part.trim())
  return { pair, attributes: attributes.join('; ') }
}

/** Counts the rows of the shares table (proving a refused request created nothing). */
export async function shareCount(): Promise<number> {
  const [row] = await query<{ n: number }>('SELECT COUNT(*) AS n FROM shares')
  return Number(row!.n)
}

/** Moves a share's expiry into the past, as if its time had run out. */
export async function expire(shareId: number): Promise<void> {
  await query('UPDATE shares SET expires_at = CURRENT_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ?', [shareId])
}

export const ownerHeaders = (token: string) => bearer(token)

/** Every answer under /api/s/ carries these (SPEC §9). */
export function expectShareHeaders(res: Response): void {
  expect(res.headers.get('x-robots-tag')).toBe('noindex')
  expect(res.headers.get('referrer-policy')).toBe('no-referrer')
  expect(res.headers.get('cache-control')).toBe('private, no-store')
}
