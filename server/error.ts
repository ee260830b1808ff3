import { randomUUID } from 'node:crypto'
import type { H3Error } from 'h3'
import { setResponseHeaders, setResponseStatus, send } from 'h3'
import { defineNitroErrorHandler } from 'nitropack/runtime'

interface ApiErrorBody { message: string, code: string }

const GENERIC: Record<number, ApiErrorBody> = {
  400: { message: '请求无效', code: 'BAD_REQUEST' },
  404: { message: '接口不存在', code: 'NOT_FOUND' },
  405: { message: '不支持的请求方法', code: 'METHOD_NOT_ALLOWED' },
  413: { message: '文件过大', code: 'PAYLOAD_TOO_LARGE' },
  415: { message: '不支持的请求格式', code: 'UNSUPPORTED_MEDIA_TYPE' },
}

const UNAVAILABLE: ApiErrorBody = { message: '服务暂时不可用，请稍后再试', code: 'SERVICE_UNAVAILABLE' }

/** Maps any error to the status and `{message, code}` a client may see. Never leaks internals. */
function toApiError(error: H3Error): { status: number, body: ApiErrorBody, headers?: Record<string, string> } {
  const status = error.statusCode ?? 500
  const data = error.data as any
  if (status >= 500 && isDatabaseDown(error)) return { status: 503, body: UNAVAILABLE }
  if (status >= 500 && isDiskFull(error)) return { status: 507, body: { message: '存储空间不足，上传失败', code: 'INSUFFICIENT_STORAGE' } }
  if (status >= 500 && isStorageFault(error)) return { status: 500, body: { message: '文件保存失败，请稍后再试', code: 'STORAGE_ERROR' } }
  if (typeof data?.code === 'string') return { status, body: { message: error.message, code: data.code }, headers: data.headers }
  if (status < 500 && GENERIC[status]) return { status, body: GENERIC[status] }
  if (status < 500) return { status, body: { message: '请求无效', code: 'BAD_REQUEST' } }
  if (status === 503) return { status, body: UNAVAILABLE }
  return { status: 500, body: { message: '服务器内部错误', code: 'INTERNAL_ERROR' } }
}

/**
 * API routes answer every error as JSON `{message, code}`; the detail of unexpected ones goes to the
 * server log under a request id. Page requests fall through to Nuxt's error page.
 */
export default defineNitroErrorHandler((error, event) => {
  if (!event.path.startsWith('/api/') && event.path !== '/api') return
  const { status, body, headers } = toApiError(error)
  if (status >= 500) {
    const requestId = randomUUID()
    console.error(`[gallery] ${requestId} ${event.method} ${event.path} -> ${status}:`, error.cause ?? error)
    setResponseHeaders(event, { 'X-Request-Id': requestId })
  }
  if (event.node.res.headersSent) {
    event.node.res.destroy()
    return
  }
  setResponseStatus(event, status)
  setResponseHeaders(event, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers })
  return send(event, JSON.stringify(body))
})
