import type { H3Event } from 'h3'
import { getHeader } from 'h3'
import type { z } from 'zod'
import { apiError } from './errors'

const MAX_JSON_BYTES = 16 * 1024

/** Reads at most `limit` bytes of the request body, or throws 413 without buffering the rest. */
async function readLimitedText(event: H3Event, limit: number): Promise<string> {
  const declared = Number(getHeader(event, 'content-length') ?? 0)
  if (declared > limit) throw apiError('PAYLOAD_TOO_LARGE')
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of event.node.req as AsyncIterable<Buffer>) {
    total += chunk.length
    if (total > limit) throw apiError('PAYLOAD_TOO_LARGE')
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
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
