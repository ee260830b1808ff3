import type { H3Event } from 'h3'
import { getHeader, sendNoContent, sendStream, setResponseHeaders, setResponseStatus } from 'h3'
import type { ImageVariant } from '../../../shared/contracts/images'
import { useBlobStore } from '../../infra/blob'
import type { ImageRow } from '../../infra/db/schema'
import { apiError, imageNotFound } from '../../infra/http/errors'
import { ensureVariants } from './variants'

/** RFC 6266 / 5987: an ASCII fallback plus the exact UTF-8 name. */
export function contentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7E]/g, '_').replace(/["\\]/g, '_')
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase())
  return `inline; filename="${fallback}"; filename*=UTF-8''${encoded}`
}

/** Parses a single `bytes=` range; undefined to serve the whole file, null when unsatisfiable. */
export function parseRange(header: string | undefined, size: number): { start: number, end: number } | null | undefined {
  if (!header) return undefined
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!match || (!match[1] && !match[2])) return undefined // several ranges or a unit we do not serve: whole file
  let start: number, end: number
  if (!match[1]) {
    const suffix = Number(match[2])
    if (suffix === 0) return null
    start = Math.max(0, size - suffix)
    end = size - 1
  }
  else {
    start = Number(match[1])
    end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1
  }
  if (start >= size || start > end) return null
  return { start, end }
}

function missingFile(image: ImageRow, variant: ImageVariant) {
  console.error(`[gallery] image ${image.id} has no ${variant} file in storage (run npm run doctor)`)
  return imageNotFound()
}

const etagMatches = (header: string | undefined, etag: string) =>
  !!header && (header.trim() === '*' || header.split(',').some(tag => tag.trim().replace(/^W\//, '') === etag))

/**
 * Streams an image (or its thumbnail) from storage with the stored type, a strong ETag, immutable private
 * caching (URLs carry a version; `cacheControl` overrides it, e.g. for shares), 304 revalidation and
 * single byte ranges for the original.
 */
export async function sendImage(event: H3Event, image: ImageRow, variant: ImageVariant, { cacheControl = 'private, max-age=31536000, immutable' } = {}) {
  // Asked for before the background queue made it: made now (or the run making it is waited for).
  if (variant === 'thumb' && image.variantsPending) await ensureVariants(image.id)
  let key = variant === 'thumb' ? image.thumbpath : image.filepath
  const store = useBlobStore()
  let stats = await store.stat(key)
  if (!stats) throw missingFile(image, variant)
  // A thumbnail is never larger than its original (small or flat PNG/GIF): then the original serves as it.
  if (variant === 'thumb' && stats.size > image.size) {
    const original = await store.stat(image.filepath)
    if (original) [key, stats] = [image.filepath, original]
  }
  const thumb = key !== image.filepath
  const etag = `"${image.sha256.slice(0, 32)}${thumb ? '-t' : ''}"`
  setResponseHeaders(event, {
    'ETag': etag,
    'Cache-Control': cacheControl,
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': 'default-src \'none\'; img-src \'self\'; style-src \'unsafe-inline\'; sandbox',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Vary': 'Cookie, Authorization',
  })
  if (etagMatches(getHeader(event, 'if-none-match'), etag)) return sendNoContent(event, 304)

  const filename = thumb ? image.filename.replace(/\.[^.]*$/, '') + '.webp' : image.filename
  setResponseHeaders(event, {
    'Content-Type': thumb ? 'image/webp' : image.contentType,
    'Content-Disposition': contentDisposition(filename),
    'Accept-Ranges': thumb ? 'none' : 'bytes',
    'Last-Modified': image.createdAt.toUTCString(),
  })
  const range = thumb ? undefined : parseRange(getHeader(event, 'range'), stats.size)
  if (range === null) {
    setResponseHeaders(event, { 'Content-Range': `bytes */${stats.size}` })
    throw apiError('RANGE_NOT_SATISFIABLE')
  }
  const { start, end } = range ?? { start: 0, end: stats.size - 1 }
  if (range) {
    setResponseStatus(event, 206)
    setResponseHeaders(event, { 'Content-Range': `bytes ${start}-${end}/${stats.size}` })
  }
  setResponseHeaders(event, { 'Content-Length': String(end - start + 1) })
  if (event.method === 'HEAD') return sendNoContent(event, range ? 206 : 200)
  // An empty object has no byte to range over (images never are, but a range of 0 to -1 is invalid).
  const body = await store.get(key, stats.size > 0 ? { start, end } : undefined)
  // Deleted between stat and get (a parallel delete): the same 404 as a missing file.
  if (!body) throw missingFile(image, variant)
  // h3 leaves a piped stream open when the client goes away (it only calls `abort()`, which file
  // streams lack): close the file with the response, whichever way it ends.
  event.node.res.once('close', () => body.destroy())
  if (!event.node.res.socket) body.destroy()
  return sendStream(event, body)
}
