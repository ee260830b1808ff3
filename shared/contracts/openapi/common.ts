import { z } from 'zod'
import type { ZodOpenApiOperationObject, ZodOpenApiResponsesObject } from 'zod-openapi'
import { ERROR_CODES, type ErrorCode } from '../errors'

// Building blocks every feature's operations use (see README.md in this folder).

const CODES = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]

/** Every 4xx/5xx body: `{message, code}`, `code` one of the ErrorCode table (shared/contracts/errors.ts). */
export const apiError = z.object({
  message: z.string().meta({ description: 'Human-readable (Chinese, the seed\'s texts); the web app translates `errors.<code>`' }),
  code: z.enum(CODES).meta({ description: 'Stable machine-readable code' }),
}).meta({ id: 'ApiError', description: 'The body of every API error' })

/** `{message}` answers. */
export const messageResponse = z.object({ message: z.string() }).meta({ id: 'MessageResponse' })
/** `{count}` answers of batch, trash and album membership routes. */
export const countResponse = z.object({ count: z.number().int().min(0) }).meta({ id: 'CountResponse' })

/** A JSON response or body. */
export const json = (schema: z.ZodType, description = 'OK') => ({ description, content: { 'application/json': { schema } } })

/** The error responses of an operation, grouped by status, each listing its possible codes. */
export function errors(...codes: ErrorCode[]): ZodOpenApiResponsesObject {
  const byStatus = new Map<number, ErrorCode[]>()
  for (const code of codes) byStatus.set(ERROR_CODES[code].status, [...byStatus.get(ERROR_CODES[code].status) ?? [], code])
  const responses: ZodOpenApiResponsesObject = {}
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status) as `4${string}`] = {
      description: list.map(code => `\`${code}\`: ${ERROR_CODES[code].message}`).join('; '),
      content: { 'application/json': { schema: apiError, examples: Object.fromEntries(list.map(code => [code, { value: { message: ERROR_CODES[code].message, code } }])) } },
    }
  }
  return responses
}

/** Errors any signed-in route may answer. */
export const SIGNED_IN: ErrorCode[] = ['UNAUTHORIZED', 'CSRF_REJECTED', 'SERVICE_UNAVAILABLE', 'INTERNAL_ERROR']
/** Errors of any route with a JSON body. */
export const JSON_BODY: ErrorCode[] = ['INVALID_JSON', 'VALIDATION_ERROR', 'UNSUPPORTED_MEDIA_TYPE', 'PAYLOAD_TOO_LARGE']

/** Public operations need no session (the document's default is a Bearer token or the session cookie). */
export const PUBLIC = { security: [] } satisfies Partial<ZodOpenApiOperationObject>

export type Operation = ZodOpenApiOperationObject
/** One feature's paths: `{ '/api/…/{id}': { get: {...}, post: {...} } }`. */
export type FeaturePaths = Record<string, Partial<Record<'get' | 'head' | 'post' | 'put' | 'patch' | 'delete', Operation>>>

/**
 * A DTO's zod mirror, checked against its TypeScript interface: `dto<ImageDto>()(z.object({...}))`
 * does not compile when the schema's output is not an ImageDto (a field missing or of another type).
 */
export const dto = <T>() => <S extends z.ZodType<T>>(schema: S): S => schema

/** `Link: <…>; rel="next"` of the paged lists. */
export const nextLink = { Link: { description: 'The next page (`rel="next"`), absent on the last page', schema: { type: 'string' as const } } }
