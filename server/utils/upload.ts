import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import busboy from 'busboy'
import type { H3Event } from 'h3'
import { getHeader } from 'h3'
import sharp, { type Metadata } from 'sharp'
import { ALLOWED_EXTENSIONS } from '#shared/types'
import { useConfig } from './config'
import { apiError } from './errors'
import { removeTemp, tempPath } from './storage'

export interface ReceivedUpload { tempFile: string, filename: string, ext: string, size: number, sha256: string }

const MULTIPART_OVERHEAD = 64 * 1024

export const noFile = () => apiError(400, 'NO_FILE', '请选择文件')
export const unsupportedType = () => apiError(415, 'UNSUPPORTED_TYPE', '不允许的文件类型')
const tooLarge = () => apiError(413, 'FILE_TOO_LARGE', '文件过大，单个文件不能超过 16MB', { Connection: 'close' })

/**
 * Waits (bounded: `limit` more bytes, 15 s) until the client has finished sending a body we are
 * refusing, so that browsers read our 4xx instead of reporting a broken connection. The bytes are
 * dropped as they come (the caller has called `resume()`); nothing is buffered.
 */
function discardRest(req: import('node:http').IncomingMessage, limit: number): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve()
  return new Promise((resolve) => {
    let seen = 0
    const done = () => {
      clearTimeout(timer)
      req.off('data', count).off('end', done).off('close', done)
      resolve()
    }
    const count = (chunk: Buffer) => {
      seen += chunk.length
      if (seen > limit) done()
    }
    const timer = setTimeout(done, 15_000)
    req.on('data', count).on('end', done).on('close', done)
  })
}

/** The display name kept from what the client sent: last path segment, NFC, no control characters, ≤ 255 characters. */
export function cleanFilename(raw: string): string {
  const base = raw.split(/[/\\]/).pop() ?? ''
  // eslint-disable-next-line no-control-regex
  const clean = base.normalize('NFC').replace(/[\u0000-\u001F\u007F\u200E\u200F\u202A-\u202E\u2066-\u2069]/g, '').trim()
  const chars = [...clean]
  if (chars.length <= 255) return clean
  const dot = clean.lastIndexOf('.')
  const ext = dot > 0 ? clean.slice(dot) : ''
  return chars.slice(0, 255 - [...ext].length).join('') + ext
}

/** Lower-case extension when it is one we accept, else undefined. */
export function allowedExtension(filename: string): string | undefined {
  const dot = filename.lastIndexOf('.')
  if (dot < 0) return undefined
  const ext = filename.slice(dot + 1).toLowerCase()
  return (ALLOWED_EXTENSIONS as readonly string[]).includes(ext) ? ext : undefined
}

/**
 * Streams the multipart `file` field to a temporary file, hashing it on the way. The size limit is
 * enforced while streaming: past it the upload is cut off with 413 and nothing stays on disk.
 */
export function receiveUpload(event: H3Event): Promise<ReceivedUpload> {
  const { maxContentLength } = useConfig()
  const req = event.node.req
  const type = getHeader(event, 'content-type') ?? ''
  if (!/^multipart\/form-data/i.test(type)) return Promise.reject(noFile())
  const declared = Number(getHeader(event, 'content-length') ?? 0)
  if (declared > maxContentLength + MULTIPART_OVERHEAD) {
    // Read (and drop) a body of reasonable size before answering; a bigger one gets its answer at once.
    const answer = tooLarge()
    return declared <= maxContentLength * 4 ? discardRest(req.resume(), declared).then(() => Promise.reject(answer)) : Promise.reject(answer)
  }

  return new Promise((resolvePromise, rejectPromise) => {
    let parser: busboy.Busboy
    try {
      parser = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        // One byte over the limit is what tells busboy to cut the file off (exactly the limit is allowed).
        limits: { fileSize: maxContentLength + 1, files: 1, fields: 20, parts: 30, fieldSize: 8 * 1024, headerPairs: 50 },
      })
    }
    catch {
      rejectPromise(apiError(400, 'BAD_MULTIPART', '上传数据格式错误'))
      return
    }
    let settled = false
    let fileStream: import('node:stream').Readable | undefined
    let writing: Promise<ReceivedUpload> | undefined

    const fail = (error: unknown) => {
      if (settled) return
      settled = true
      req.unpipe(parser)
      req.resume() // discard the rest of the body instead of buffering it
      fileStream?.destroy(new Error('upload refused')) // ends the write below, which then removes its temporary file
      const finished = writing ? writing.then(() => {}, () => {}) : Promise.resolve()
      Promise.all([finished, discardRest(req, maxContentLength * 2)]).finally(() => rejectPromise(error))
    }

    parser.on('file', (field, stream, info) => {
      if (settled || field !== 'file' || writing) {
        stream.resume()
        return
      }
      const filename = cleanFilename(info.filename ?? '')
      if (!filename) return fail(noFile())
      const ext = allowedExtension(filename)
      if (!ext) return fail(unsupportedType())
      stream.on('limit', () => fail(tooLarge()))
      fileStream = stream
      writing = (async () => {
        const tempFile = await tempPath('.upload')
        const hash = createHash('sha256')
        let size = 0
        const counter = new Transform({
          transform(chunk: Buffer, _enc, done) {
            size += chunk.length
            hash.update(chunk)
            done(null, chunk)
          },
        })
        try {
          await pipeline(stream, counter, createWriteStream(tempFile, { flags: 'wx' }))
          if (settled) throw new Error('upload refused')
        }
        catch (error) {
          await removeTemp(tempFile)
          throw error
        }
        return { tempFile, filename, ext, size, sha256: hash.digest('hex') }
      })()
      writing.catch(fail)
    })
    parser.on('filesLimit', () => fail(apiError(400, 'TOO_MANY_FILES', '一次只能上传一个文件')))
    parser.on('partsLimit', () => fail(apiError(400, 'BAD_MULTIPART', '上传数据格式错误')))
    parser.on('fieldsLimit', () => fail(apiError(400, 'BAD_MULTIPART', '上传数据格式错误')))
    parser.on('error', () => fail(apiError(400, 'BAD_MULTIPART', '上传数据格式错误')))
    parser.on('close', async () => {
      if (settled) return
      if (!writing) return fail(noFile())
      try {
        const upload = await writing
        if (settled || upload.size === 0) await removeTemp(upload.tempFile)
        if (settled) return
        if (upload.size === 0) return fail(apiError(400, 'EMPTY_FILE', '文件为空'))
        settled = true
        resolvePromise(upload)
      }
      catch (error) {
        fail(error)
      }
    })
    // The client went away mid-upload: nothing may stay behind.
    req.on('aborted', () => fail(apiError(400, 'UPLOAD_ABORTED', '上传已中断')))
    req.on('error', () => fail(apiError(400, 'UPLOAD_ABORTED', '上传已中断')))
    req.pipe(parser)
  })
}

const FORMATS: Record<string, { format: string, contentType: string }> = {
  png: { format: 'png', contentType: 'image/png' },
  jpg: { format: 'jpeg', contentType: 'image/jpeg' },
  jpeg: { format: 'jpeg', contentType: 'image/jpeg' },
  gif: { format: 'gif', contentType: 'image/gif' },
}

export const THUMB_SIZE = 480

export interface InspectedImage { contentType: string, width: number, height: number, thumbFile: string }

sharp.cache(false)

// Decoding is CPU- and memory-heavy: at most two images are processed at once, the rest wait their turn.
let active = 0
const waiting: Array<() => void> = []
async function withImageSlot<T>(work: () => Promise<T>): Promise<T> {
  if (active >= 2) await new Promise<void>(resolve => waiting.push(resolve))
  active++
  try { return await work() }
  finally {
    active--
    waiting.shift()?.()
  }
}

/**
 * Decodes the upload to check that it really is the image its extension says, refuses pixel bombs
 * before decoding them, and writes a WebP thumbnail (EXIF orientation applied, metadata stripped;
 * animated GIFs keep their first frame).
 */
export function inspectImage(file: string, ext: string): Promise<InspectedImage> {
  const expected = FORMATS[ext]!
  const { maxImagePixels } = useConfig()
  return withImageSlot(async () => {
    const options = { limitInputPixels: maxImagePixels, failOn: 'error' as const }
    let meta: Metadata
    try { meta = await sharp(file, options).metadata() }
    catch (error: any) {
      if (/pixel limit/i.test(error?.message)) throw apiError(400, 'IMAGE_TOO_LARGE', '图片像素过多')
      throw unsupportedType()
    }
    if (meta.format !== expected.format) throw unsupportedType()
    if (!meta.width || !meta.height) throw apiError(400, 'INVALID_IMAGE', '图片已损坏或无法读取')
    if (meta.width * (meta.pageHeight ?? meta.height) > maxImagePixels) throw apiError(400, 'IMAGE_TOO_LARGE', '图片像素过多')
    let thumbnail: Buffer
    try {
      thumbnail = await sharp(file, options)
        .rotate()
        .resize({ width: THUMB_SIZE, height: THUMB_SIZE, fit: 'inside', withoutEnlargement: true })
        // effort 2 (of 0–6): a third less CPU per upload than the default 4 for ~4 % larger thumbnails.
        .webp({ quality: 78, effort: 2 })
        .toBuffer()
    }
    catch {
      throw apiError(400, 'INVALID_IMAGE', '图片已损坏或无法读取')
    }
    // Written by us rather than by libvips, so a full disk surfaces as ENOSPC (507), not as a bad image.
    const thumbFile = await tempPath('.webp')
    try { await writeFile(thumbFile, thumbnail, { flag: 'wx' }) }
    catch (error) {
      await removeTemp(thumbFile)
      throw error
    }
    const rotated = (meta.orientation ?? 1) >= 5
    const height = meta.pageHeight ?? meta.height
    return {
      contentType: expected.contentType,
      width: rotated ? height : meta.width,
      height: rotated ? meta.width : height,
      thumbFile,
    }
  })
}
