import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { type Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import busboy from 'busboy'
import type { H3Event } from 'h3'
import { getHeader } from 'h3'
import { ALLOWED_EXTENSIONS } from '../../../shared/contracts/images'
import { useConfig } from '../../infra/config'
import { discardBody } from '../../infra/http/body'
import { apiError } from '../../infra/http/errors'
import { removeTemp, tempFileName, uploadTempDir } from '../../infra/tempFiles'

export interface ReceivedUpload { tempFile: string, filename: string, ext: string, size: number, sha256: string }

const MULTIPART_OVERHEAD = 64 * 1024

export const noFile = () => apiError('NO_FILE')
export const unsupportedType = () => apiError('UNSUPPORTED_TYPE')
const tooLarge = () => apiError('FILE_TOO_LARGE', { headers: { Connection: 'close' } })

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

/** Streams one file part to a temporary file, hashing and counting it; nothing stays on disk if it fails. */
function writeTemp(stream: Readable, tempDir: string): Promise<{ tempFile: string, size: number, sha256: string }> {
  const tempFile = tempFileName(tempDir, '.upload')
  const hash = createHash('sha256')
  let size = 0
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length
      hash.update(chunk)
      done(null, chunk)
    },
  })
  // Attached in the same tick as the part arrives: an error busboy gives the part (a cut-off body, a
  // refused upload) always finds the pipeline listening.
  return pipeline(stream, counter, createWriteStream(tempFile, { flags: 'wx' })).then(
    () => ({ tempFile, size, sha256: hash.digest('hex') }),
    async (error) => {
      await removeTemp(tempFile)
      throw error
    },
  )
}

const ignore = () => {}

/**
 * Streams the multipart `file` field to a temporary file, hashing it on the way. The size limit is
 * enforced while streaming: past it the upload is cut off with 413 and nothing stays on disk. A body
 * that sends nothing for `uploadIdleTimeoutMs` is cut off too (408, connection closed).
 */
export async function receiveUpload(event: H3Event): Promise<ReceivedUpload> {
  const { maxContentLength, uploadIdleTimeoutMs } = useConfig()
  const req = event.node.req
  const type = getHeader(event, 'content-type') ?? ''
  if (!/^multipart\/form-data/i.test(type)) throw noFile()
  const declared = Number(getHeader(event, 'content-length') ?? 0)
  if (declared > maxContentLength + MULTIPART_OVERHEAD) {
    // Read (and drop) a body of reasonable size before answering; a bigger one gets its answer at once.
    if (declared <= maxContentLength * 4) await discardBody(req.resume(), declared)
    throw tooLarge()
  }
  // The only wait before the parser is attached; the body stays paused meanwhile (nothing reads it).
  const tempDir = await uploadTempDir()
  if (req.destroyed) throw apiError('UPLOAD_ABORTED')

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
    let fileStream: Readable | undefined
    let writing: Promise<ReceivedUpload> | undefined

    // Reset by every chunk of the body; stopped once the body is settled either way.
    const idle = setTimeout(() => {
      // The client went quiet: answer (if it still reads) and close the connection rather than wait for the rest.
      event.node.res.once('finish', () => req.socket?.destroy())
      fail(apiError('UPLOAD_TIMEOUT', { headers: { Connection: 'close' } }), false)
    }, uploadIdleTimeoutMs)
    const activity = () => idle.refresh()
    const stopWatching = () => {
      clearTimeout(idle)
      req.off('data', activity)
    }

    /** Refuses the upload: stops parsing, lets the write remove its temporary file, then answers. */
    const fail = (error: unknown, waitForBody = true) => {
      if (settled) return
      settled = true
      stopWatching()
      req.unpipe(parser)
      req.resume() // discard the rest of the body instead of buffering it
      // Ends a write in progress, which then removes its temporary file; one already written is removed here.
      fileStream?.destroy(new Error('upload refused'))
      const finished = writing ? writing.then(upload => removeTemp(upload.tempFile)).then(ignore, ignore) : Promise.resolve()
      const rest = waitForBody ? discardBody(req, maxContentLength * 2) : Promise.resolve()
      Promise.all([finished, rest]).finally(() => rejectPromise(error))
    }

    parser.on('file', (field, stream, info) => {
      // Every part gets an error listener at once: busboy destroys the part in progress with an error
      // when the body is cut off, and an error nobody listens to would crash the process.
      stream.on('error', ignore)
      if (settled || field !== 'file' || writing) {
        stream.resume()
        return
      }
      const filename = cleanFilename(info.filename ?? '')
      const ext = filename ? allowedExtension(filename) : undefined
      if (!ext) {
        stream.resume()
        return fail(filename ? unsupportedType() : noFile())
      }
      stream.on('limit', () => fail(tooLarge()))
      fileStream = stream
      writing = writeTemp(stream, tempDir).then(written => ({ ...written, filename, ext }))
      writing.catch(fail)
    })
    parser.on('filesLimit', () => fail(apiError('TOO_MANY_FILES')))
    parser.on('partsLimit', () => fail(apiError('BAD_MULTIPART')))
    parser.on('fieldsLimit', () => fail(apiError('BAD_MULTIPART')))
    parser.on('error', () => fail(apiError('BAD_MULTIPART')))
    parser.on('close', async () => {
      if (settled) return
      if (!writing) return fail(noFile())
      let upload: ReceivedUpload
      try { upload = await writing }
      catch (error) {
        return fail(error)
      }
      if (settled) return
      if (upload.size === 0) return fail(apiError('EMPTY_FILE'))
      settled = true
      stopWatching()
      resolvePromise(upload)
    })
    // The client went away mid-upload: nothing may stay behind.
    req.on('aborted', () => fail(apiError('UPLOAD_ABORTED')))
    req.on('error', () => fail(apiError('UPLOAD_ABORTED')))
    req.pipe(parser)
    req.on('data', activity)
  })
}
