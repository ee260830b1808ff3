import { ERROR_CODES, type ApiErrorBody, type ErrorCode } from '#shared/contracts/errors'

/** Codes the web app makes itself, for failures the API never answered (each has an `errors.<code>` text too). */
export const CLIENT_ERROR_CODES = ['NETWORK_ERROR', 'SERVER_ERROR', 'UNKNOWN_ERROR', 'ABORTED', 'COOKIE_REJECTED'] as const
export type ClientErrorCode = typeof CLIENT_ERROR_CODES[number]

/** Every code an ApiFailure can carry: the API's table (shared/contracts/errors.ts) and the web app's own. */
export type FailureCode = ErrorCode | ClientErrorCode

const isFailureCode = (code: string): code is FailureCode =>
  Object.hasOwn(ERROR_CODES, code) || (CLIENT_ERROR_CODES as readonly string[]).includes(code)

/**
 * An API or network failure in one plain (serializable) shape the UI can translate:
 * `code` → `errors.<code>`, with the API's own message as the fallback.
 */
export interface ApiFailure {
  apiFailure: true
  status: number
  /** A code from the table; an answer with a code the table does not know (a newer server) is UNKNOWN_ERROR with its message kept. */
  code: FailureCode
  /** The API's own (Chinese) message, or '' when there was no JSON answer. */
  message: string
  /** Seconds, from a 429's Retry-After. */
  retryAfter?: number
}

const isBody = (value: unknown): value is ApiErrorBody =>
  !!value && typeof value === 'object' && typeof (value as ApiErrorBody).code === 'string'

export const isApiFailure = (value: unknown): value is ApiFailure =>
  !!value && typeof value === 'object' && (value as ApiFailure).apiFailure === true

/** Builds an ApiFailure from a status (0 = no answer), a parsed JSON body (if any) and a Retry-After header. */
export function apiFailure(status: number, body: unknown, retryAfterHeader?: string | null): ApiFailure {
  const seconds = retryAfterHeader ? Number.parseInt(retryAfterHeader, 10) : Number.NaN
  const base = { apiFailure: true as const, status, ...(Number.isFinite(seconds) ? { retryAfter: seconds } : {}) }
  if (isBody(body)) return { ...base, code: isFailureCode(body.code) ? body.code : 'UNKNOWN_ERROR', message: body.message }
  if (status === 0) return { ...base, code: 'NETWORK_ERROR', message: '' }
  if (status === 429) return { ...base, code: 'RATE_LIMITED', message: '' }
  if (status === 413) return { ...base, code: 'FILE_TOO_LARGE', message: '' }
  if (status >= 500) return { ...base, code: 'SERVER_ERROR', message: '' }
  return { ...base, code: 'UNKNOWN_ERROR', message: '' }
}

/** Normalizes whatever `$fetch` threw: a FetchError carrying the JSON body, or a network failure. */
export function toApiFailure(error: unknown): ApiFailure {
  if (isApiFailure(error)) return error
  const e = error as { response?: Response, data?: unknown, statusCode?: number } | undefined
  const status = e?.response?.status ?? e?.statusCode ?? 0
  return apiFailure(status, e?.data, e?.response?.headers?.get('retry-after'))
}

/** Runs an API call and rethrows any failure as an ApiFailure. */
export async function apiCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  }
  catch (error) {
    throw toApiFailure(error)
  }
}
