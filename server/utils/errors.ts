import { createError } from 'h3'

/** An error the API answers with `{message, code}` and the given status. */
export function apiError(statusCode: number, code: string, message: string, headers?: Record<string, string>) {
  return createError({ statusCode, message, data: { code, headers } })
}

/** One answer for unknown user and wrong password, so neither can be told apart. */
export const invalidCredentials = () => apiError(401, 'INVALID_CREDENTIALS', '用户名或密码错误')
export const unauthorized = () => apiError(401, 'UNAUTHORIZED', '未登录或登录已过期')
export const imageNotFound = () => apiError(404, 'IMAGE_NOT_FOUND', '图片不存在')
export const serviceUnavailable = () => apiError(503, 'SERVICE_UNAVAILABLE', '服务暂时不可用，请稍后再试')

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR', 'POOL_CLOSED',
  'ER_SERVER_SHUTDOWN', 'ER_ACCESS_DENIED_ERROR', 'ER_BAD_DB_ERROR',
])

/** True when an error means the database cannot be reached (as opposed to a bug). */
export function isDatabaseDown(error: unknown): boolean {
  for (let e: any = error, depth = 0; e && depth < 5; e = e.cause, depth++) {
    if (typeof e.code === 'string' && CONNECTION_ERROR_CODES.has(e.code)) return true
    if (e.fatal === true) return true
  }
  return false
}

const errorCode = (error: unknown): string | undefined => {
  for (let e: any = error, depth = 0; e && depth < 5; e = e.cause, depth++) {
    if (typeof e.code === 'string') return e.code
  }
  return undefined
}

/** True when an error means the disk (or quota) is full. */
export const isDiskFull = (error: unknown) => ['ENOSPC', 'EDQUOT'].includes(errorCode(error) ?? '')

/** True when the file system refused a write (read-only, permissions, I/O error, a path that is not a folder). */
export const isStorageFault = (error: unknown) => ['EROFS', 'EACCES', 'EPERM', 'EIO', 'ENOTDIR', 'EEXIST', 'EISDIR', 'EMFILE', 'ENFILE'].includes(errorCode(error) ?? '')
