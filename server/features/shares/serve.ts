import type { Readable } from 'node:stream'
import type { H3Event } from 'h3'
import { send, setResponseHeaders } from 'h3'
import sharp from 'sharp'
import type { ShareFileVariant } from '../../../shared/contracts/shares'
import { useBlobStore } from '../../infra/blob'
import { useConfig } from '../../infra/config'
import type { ImageRow, ShareRow } from '../../infra/db/schema'
import { apiError, imageNotFound } from '../../infra/http/errors'
import { ensureVariants, withImageSlot } from '../images/variants'
import { sendImage } from '../images/serve'
import { SHARE_CACHE_CONTROL } from './headers'

/** The long side of a preview: a phone's or laptop's screen, far below a camera's original. */
const PREVIEW_SIZE = 1600
/** Previews kept in memory (bytes), newest use last: an album opened by many visitors is encoded once. */
const PREVIEW_CACHE_BYTES = 48 * 1024 * 1024
const previews = new Map<string, Buffer>()
let cachedBytes = 0

function remember(key: string, bytes: Buffer): void {
  if (bytes.length > PREVIEW_CACHE_BYTES / 4) return
  previews.set(key, bytes)
  cachedBytes += bytes.length
  for (const [oldKey, old] of previews) {
    if (cachedBytes <= PREVIEW_CACHE_BYTES) break
    previews.delete(oldKey)
    cachedBytes -= old.length
  }
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/**
 * A WebP preview re-encoded from the stored original: orientation applied, at most PREVIEW_SIZE on
 * the long side, and no metadata at all (sharp writes none unless told to), so no location, camera
 * serial or name travels with it. Made on demand (two at a time, like uploads) and kept in a small
 * in-memory cache keyed by the content hash.
 */
async function previewBytes(image: ImageRow): Promise<Buffer> {
  const key = `${image.sha256}:${image.filepath}`
  const cached = previews.get(key)
  if (cached) {
    previews.delete(key)
    previews.set(key, cached)
    return cached
  }
  const stream = await useBlobStore().get(image.filepath)
  if (!stream) throw imageNotFound()
  const original = await readAll(stream)
  const bytes = await withImageSlot(() => sharp(original, { limitInputPixels: useConfig().maxImagePixels, failOn: 'error' })
    .rotate()
    .resize(PREVIEW_SIZE, PREVIEW_SIZE, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 82 })
    .toBuffer())
  remember(key, bytes)
  return bytes
}

/**
 * A file of a photo in a share. Thumbnails are stored without metadata (always the stored WebP here); previews are re-encoded
 * without it; the original (only with allow_download, else 403 DOWNLOAD_NOT_ALLOWED) is the stored
 * file, whose GPS was removed at upload (SPEC §8) — one whose removal has not run yet (an old upload
 * still waiting for the backfill) is not served through a share.
 */
export async function sendSharedFile(event: H3Event, share: ShareRow, image: ImageRow, variant: ShareFileVariant) {
  // The stored thumbnail itself, never the original in its place (the owner's own file route may serve
  // a small original as its thumbnail; through a share that would hand out its metadata).
  if (variant === 'thumb') {
    if (image.variantsPending) await ensureVariants(image.id)
    return sendBytes(event, await storedBytes(image.thumbpath))
  }
  if (variant === 'original') {
    if (!share.allowDownload) throw apiError('DOWNLOAD_NOT_ALLOWED')
    if (image.metaVersion < 1) throw apiError('SERVICE_UNAVAILABLE', { headers: { 'Retry-After': '60' } })
    return sendImage(event, image, 'original', { cacheControl: SHARE_CACHE_CONTROL })
  }
  return sendBytes(event, await previewBytes(image))
}

/** A whole stored object (thumbnails are a few kilobytes), or 404 when it is missing. */
async function storedBytes(key: string): Promise<Buffer> {
  const stream = await useBlobStore().get(key)
  if (!stream) throw imageNotFound()
  return readAll(stream)
}

/** WebP bytes made or kept by us (no metadata), with the share's caching and the image responses' sandbox. */
function sendBytes(event: H3Event, bytes: Buffer) {
  setResponseHeaders(event, {
    'Content-Type': 'image/webp',
    'Content-Length': String(bytes.length),
    'Cache-Control': SHARE_CACHE_CONTROL,
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': 'default-src \'none\'; img-src \'self\'; style-src \'unsafe-inline\'; sandbox',
    'Cross-Origin-Resource-Policy': 'same-origin',
  })
  return send(event, bytes)
}
