import type { H3Event } from 'h3'
import type { UploadResponse } from '../../shared/contracts/images'
import { routeTemplate, requestIdFrom, useLogger } from '../infra/log'
import { observeRequest, observeUpload } from '../infra/metrics'

/**
 * Every request, whichever way it is served (API fast path, pages, assets): an X-Request-Id on the
 * response, one log line and one duration sample once the response is done. Nitro's `request` hook
 * is the one place both the API fast path (server/fastpath/) and the page renderer pass; the line is
 * written when the Node response closes, so streamed files and errors are timed to their last byte.
 * Kept cheap: the list route's throughput is benchmarked (bench/run.mjs).
 */
export default defineNitroPlugin((nitroApp) => {
  // The logger reads the configuration: not before server/plugins/startup.ts has checked it (a
  // wrong setting must stop start-up with its one-line reason, not a stack trace).
  nitroApp.hooks.hook('request', (event: H3Event) => {
    const { req, res } = event.node
    const requestId = requestIdFrom(req.headers['x-request-id'])
    event.context.requestId = requestId
    res.setHeader('X-Request-Id', requestId)
    const start = performance.now()
    res.once('close', () => {
      const durationMs = performance.now() - start
      const status = res.writableFinished ? res.statusCode : 499
      const route = routeTemplate(event.context.matchedRoute?.path, event.path, status)
      observeRequest(route, event.method, status, durationMs / 1000)
      useLogger().info({
        request_id: requestId,
        method: event.method,
        route,
        status,
        duration_ms: Math.round(durationMs * 10) / 10,
        user_id: (event.context.user as { id?: number } | undefined)?.id ?? null,
      })
    })
  })
  // Uploads are counted from the stored image the route answers with (`image.size`): no hook inside the upload code.
  nitroApp.hooks.hook('beforeResponse', (event: H3Event, response: { body?: unknown }) => {
    if (event.context.matchedRoute?.path !== '/api/images/upload' || event.node.res.statusCode !== 201) return
    const size = (response.body as Partial<UploadResponse> | undefined)?.image?.size
    if (typeof size === 'number') observeUpload(size)
  })
})
