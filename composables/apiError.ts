import type { ApiErrorBody } from '#shared/contracts/errors'

/**
 * An API or network failure in one plain (serializable) shape the UI can translate:
 * `code` → `errors.<code>`, with the API's own message as the fallback.
 */
export interface ApiFailure {
  apiFailure: true
  status: number
  code: string
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
  if (isBody(body)) return { ...base, code: body.code, message: body.message }
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
