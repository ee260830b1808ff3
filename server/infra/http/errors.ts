import { createError } from 'h3'
import { ERROR_CODES, type ErrorCode } from '../../../shared/contracts/errors'

/** Extra fields a few codes carry next to `message` and `code` (DUPLICATE_IMAGE: `image_id`, `in_trash`). */
export type ApiErrorExtra = Record<string, string | number | boolean | null>

export interface ApiErrorData { code: ErrorCode, headers?: Record<string, string>, body?: ApiErrorExtra }

/**
 * An error the API answers with `{message, code}`: status and message come from the ErrorCode table
 * (shared/contracts/errors.ts); `message` overrides the table's text for a more precise one, and
 * `body` adds the fields a code's contract names beyond those two.
 */
export function apiError(code: ErrorCode, { message, headers, body }: { message?: string, headers?: Record<string, string>, body?: ApiErrorExtra } = {}) {
  const entry = ERROR_CODES[code]
  return createError<ApiErrorData>({ statusCode: entry.status, message: message ?? entry.message, data: { code, headers, body } })
}

/** One answer for unknown user and wrong password, so neither can be told apart. */
export const invalidCredentials = () => apiError('INVALID_CREDENTIALS')
export const unauthorized = () => apiError('UNAUTHORIZED')
export const imageNotFound = () => apiError('IMAGE_NOT_FOUND')
export const serviceUnavailable = () => apiError('SERVICE_UNAVAILABLE')

/** The `code` of an error or of one of its causes (Node system errors, mysql2 errors). */
function causeCodes(error: unknown): string[] {
  const codes: string[] = []
  let e: unknown = error
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const { code, cause } = e as { code?: unknown, cause?: unknown }
    if (typeof code === 'string') codes.push(code)
    e = cause
  }
  return codes
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR', 'POOL_CLOSED',
  'ER_SERVER_SHUTDOWN', 'ER_ACCESS_DENIED_ERROR', 'ER_BAD_DB_ERROR', 'DB_TIMEOUT',
])

/** True when an error means the database cannot be reached (as opposed to a bug). */
export function isDatabaseDown(error: unknown): boolean {
  if (causeCodes(error).some(code => CONNECTION_ERROR_CODES.has(code))) return true
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { fatal?: unknown }).fatal === true) return true
  }
  return false
}

/** True when object storage (S3) could not be reached or failed on its side (StorageUnavailableError somewhere in the causes). */
export const isStorageUnavailable = (error: unknown) => causeCodes(error).includes('STORAGE_UNAVAILABLE')

/** True when an error means the disk (or quota) is full. */
export const isDiskFull = (error: unknown) => causeCodes(error).some(code => code === 'ENOSPC' || code === 'EDQUOT')

const STORAGE_FAULT_CODES = new Set(['EROFS', 'EACCES', 'EPERM', 'EIO', 'ENOTDIR', 'EEXIST', 'EISDIR', 'EMFILE', 'ENFILE'])

/** True when the file system refused a write (read-only, permissions, I/O error, a path that is not a folder). */
export const isStorageFault = (error: unknown) => causeCodes(error).some(code => STORAGE_FAULT_CODES.has(code))
