import { randomUUID } from 'node:crypto'
import type { H3Error } from 'h3'
import { setResponseHeaders, setResponseStatus, send } from 'h3'
import { defineNitroErrorHandler } from 'nitropack/runtime'
import { ERROR_CODES, type ApiErrorBody, type ErrorCode } from '../shared/contracts/errors'
import { isDatabaseDown, isDiskFull, isStorageFault, isStorageUnavailable, type ApiErrorData } from './infra/http/errors'
import { routeTemplate, useLogger } from './infra/log'

/** Errors h3 raises itself (no route of ours threw them), by status. */
const GENERIC: Partial<Record<number, ErrorCode>> = { 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE' }

const fromTable = (code: ErrorCode) => ({ status: ERROR_CODES[code].status, body: { message: ERROR_CODES[code].message, code } })

/** Maps any error to the status and `{message, code}` a client may see. Never leaks internals. */
function toApiError(error: H3Error<ApiErrorData>): { status: number, body: ApiErrorBody, headers?: Record<string, string> } {
  const status = error.statusCode ?? 500
  // Before the database check: an unreachable S3 carries the same ECONNREFUSED deeper in its causes.
  if (status >= 500 && isStorageUnavailable(error)) return fromTable('STORAGE_UNAVAILABLE')
  if (status >= 500 && isDatabaseDown(error)) return fromTable('SERVICE_UNAVAILABLE')
  if (status >= 500 && isDiskFull(error)) return fromTable('INSUFFICIENT_STORAGE')
  if (status >= 500 && isStorageFault(error)) return fromTable('STORAGE_ERROR')
  const code = error.data?.code
  if (code && code in ERROR_CODES) return { status, body: { ...error.data?.body, message: error.message, code }, headers: error.data?.headers }
  if (status < 500) return fromTable(GENERIC[status] ?? 'BAD_REQUEST')
  return fromTable(status === 503 ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_ERROR')
}

/**
 * API routes answer every error as JSON `{message, code}`; the detail of unexpected ones goes to the
 * server log under a request id. Page requests fall through to Nuxt's error page.
 */
export default defineNitroErrorHandler((error, event) => {
  if (!event.path.startsWith('/api/') && event.path !== '/api') return
  const { status, body, headers } = toApiError(error as H3Error<ApiErrorData>)
  if (status >= 500) {
    // The stack goes to the server log under the request's id (server/plugins/log.ts), never to the client.
    const requestId = (event.context.requestId as string | undefined) ?? randomUUID()
    const matched = (event.context.matchedRoute as { path?: string } | undefined)?.path
    useLogger().error({ request_id: requestId, method: event.method, route: routeTemplate(matched, event.path, status), status, err: error.cause ?? error }, 'request failed')
    setResponseHeaders(event, { 'X-Request-Id': requestId })
  }
  if (event.node.res.headersSent) {
    event.node.res.destroy()
    return
  }
  setResponseStatus(event, status)
  // Share answers say `private, no-store` (SPEC §9), like the route rules for /api/s/ that set it first.
  const cacheControl = event.path.startsWith('/api/s/') ? 'private, no-store' : 'no-store'
  setResponseHeaders(event, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': cacheControl, ...headers })
  return send(event, JSON.stringify(body))
})
