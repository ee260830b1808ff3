import type { H3Event } from 'h3'
import { setResponseHeaders } from 'h3'

/** What every answer under /s/ and /api/s/ says to caches (SPEC §9): a share's bytes are never kept. */
export const SHARE_CACHE_CONTROL = 'private, no-store'

/**
 * The headers of every answer under /s/ and /api/s/: not indexed, the token-bearing address never sent
 * on as a Referer, not cached. Also set by route rules (nuxt.config.ts) and the error handler, so
 * errors and pages carry them too; the routes set them again because some of their own answers
 * (files) set Cache-Control themselves.
 */
export const SHARE_HEADERS = {
  'X-Robots-Tag': 'noindex',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': SHARE_CACHE_CONTROL,
} as const

export function setShareHeaders(event: H3Event): void {
  setResponseHeaders(event, SHARE_HEADERS)
}
