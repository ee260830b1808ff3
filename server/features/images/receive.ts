import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import busboy from 'busboy'
import type { H3Event } from 'h3'
import { getHeader } from 'h3'
import { ALLOWED_EXTENSIONS } from '../../../shared/contracts/images'
import { removeTemp, tempPath } from '../../infra/blob/fs'
import { useConfig } from '../../infra/config'
import { apiError } from '../../infra/http/errors'

export interface ReceivedUpload { tempFile: string, filename: string, ext: string, size: number, sha256: string }

const MULTIPART_OVERHEAD = 64 * 1024

export const noFile = () => apiError('NO_FILE')
export const unsupportedType = () => apiError('UNSUPPORTED_TYPE')
const tooLarge = () => apiError('FILE_TOO_LARGE', { headers: { Connection: 'close' } })

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
      rejectPromise(apiError('BAD_MULTIPART'))
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
    parser.on('filesLimit', () => fail(apiError('TOO_MANY_FILES')))
    parser.on('partsLimit', () => fail(apiError('BAD_MULTIPART')))
    parser.on('fieldsLimit', () => fail(apiError('BAD_MULTIPART')))
    parser.on('error', () => fail(apiError('BAD_MULTIPART')))
    parser.on('close', async () => {
      if (settled) return
      if (!writing) return fail(noFile())
      try {
        const upload = await writing
        if (settled || upload.size === 0) await removeTemp(upload.tempFile)
        if (settled) return
        if (upload.size === 0) return fail(apiError('EMPTY_FILE'))
        settled = true
        resolvePromise(upload)
      }
      catch (error) {
        fail(error)
      }
    })
    // The client went away mid-upload: nothing may stay behind.
    req.on('aborted', () => fail(apiError('UPLOAD_ABORTED')))
    req.on('error', () => fail(apiError('UPLOAD_ABORTED')))
    req.pipe(parser)
  })
}
