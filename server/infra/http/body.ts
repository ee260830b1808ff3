import type { IncomingMessage } from 'node:http'
import type { H3Event } from 'h3'
import { getHeader } from 'h3'
import type { z } from 'zod'
import { apiError } from './errors'

const MAX_JSON_BYTES = 16 * 1024
/** How much more of a refused JSON body is read (and dropped) so that the client gets to read the 413. */
const JSON_DISCARD_BYTES = 1024 * 1024

/**
 * Waits (bounded: `limit` more bytes, 15 s) until the client has finished sending a body we are
 * refusing, so that clients read our 4xx instead of reporting a broken connection. The bytes are
 * dropped as they come (the caller has called `resume()`); nothing is buffered.
 */
export function discardBody(req: IncomingMessage, limit: number): Promise<void> {
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

const tooLarge = (headers?: Record<string, string>) => apiError('PAYLOAD_TOO_LARGE', { headers })

/**
 * Reads at most `limit` bytes of the request body, or answers 413 without buffering the rest. The
 * request is never destroyed (that would take the socket, and the 413 with it): past the limit the
 * rest is read and dropped (bounded), and a body that still has not ended gets its connection
 * closed after the answer.
 */
function readLimitedText(event: H3Event, limit: number): Promise<string> {
  const req = event.node.req
  const declared = Number(getHeader(event, 'content-length') ?? 0)
  // A declared length is refused before reading; Node reads and drops that known amount after the answer.
  if (declared > limit) return Promise.reject(tooLarge())
  if (req.readableEnded) return Promise.resolve('')
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let total = 0
    const stop = () => req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose)
    const onData = (chunk: Buffer) => {
      total += chunk.length
      if (total <= limit) return void chunks.push(chunk)
      stop()
      req.resume()
      discardBody(req, JSON_DISCARD_BYTES).then(() => reject(tooLarge(req.complete ? undefined : { Connection: 'close' })))
    }
    const onEnd = () => {
      stop()
      resolve(Buffer.concat(chunks).toString('utf8'))
    }
    const onError = () => {
      stop()
      reject(apiError('BAD_REQUEST'))
    }
    // Closed before the end: the client went away mid-body (nobody is left to read the answer).
    const onClose = () => {
      if (!req.complete) onError()
    }
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose)
  })
}

/**
 * A small JSON body validated by a zod schema: 415 unless it is JSON, 400 for malformed JSON or a
 * schema failure (the first issue's message), 413 when too large.
 */
export async function readJsonBody<T extends z.ZodType>(event: H3Event, schema: T): Promise<z.output<T>> {
  const type = getHeader(event, 'content-type') ?? ''
  if (!/^application\/json\s*(;|$)/i.test(type)) throw apiError('UNSUPPORTED_MEDIA_TYPE')
  const text = await readLimitedText(event, MAX_JSON_BYTES)
  let value: unknown
  try { value = JSON.parse(text) }
  catch { throw apiError('INVALID_JSON') }
  const result = schema.safeParse(value)
  if (!result.success) throw apiError('VALIDATION_ERROR', { message: result.error.issues[0]?.message })
  return result.data
}
