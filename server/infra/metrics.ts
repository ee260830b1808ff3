import { timingSafeEqual, createHash } from 'node:crypto'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { usePool } from './db'

/**
 * Prometheus metrics (SPEC §11), served at GET /metrics to the holder of METRICS_TOKEN. Labels are
 * bounded: `route` is always a route template (server/infra/log.ts routeTemplate), never a raw path.
 * Process metrics (memory, event-loop lag, CPU, GC, handles) come from prom-client's defaults.
 */

export const registry = new Registry()

collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 })

const requestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP requests by route template, method and status: time until the response was written',
  labelNames: ['route', 'method', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
})

const uploads = new Counter({ name: 'gallery_uploads_total', help: 'Images stored by uploads', registers: [registry] })
const uploadBytes = new Counter({ name: 'gallery_upload_bytes_total', help: 'Bytes of the images stored by uploads', registers: [registry] })
const logins = new Counter({
  name: 'gallery_logins_total',
  help: 'Password sign-in attempts by outcome: ok, failed (wrong credentials, disabled account), limited (429)',
  labelNames: ['result'] as const,
  registers: [registry],
})
for (const result of ['ok', 'failed', 'limited']) logins.inc({ result }, 0)

interface PoolInternals { _allConnections?: { length: number }, _freeConnections?: { length: number }, _connectionQueue?: { length: number }, config?: { connectionLimit?: number } }

new Gauge({
  name: 'gallery_db_pool_connections',
  help: 'Database pool: open connections, idle ones, requests waiting for one, and the limit',
  labelNames: ['state'] as const,
  registers: [registry],
  collect() {
    // mysql2 keeps these counts on its pool object (no public accessor in 3.x).
    const pool = usePool().pool as unknown as PoolInternals
    this.set({ state: 'open' }, pool._allConnections?.length ?? 0)
    this.set({ state: 'idle' }, pool._freeConnections?.length ?? 0)
    this.set({ state: 'waiting' }, pool._connectionQueue?.length ?? 0)
    this.set({ state: 'limit' }, pool.config?.connectionLimit ?? 0)
  },
})

let thumbnailsQueued = () => 0
/** Tells the metrics how many thumbnails this process still has to make (server/features/images/variants.ts). */
export function reportThumbnailQueue(read: () => number): void {
  thumbnailsQueued = read
}
new Gauge({
  name: 'gallery_thumbnails_queued',
  help: 'Thumbnails this process still has to make in the background (uploads answered before them)',
  registers: [registry],
  collect() { this.set(thumbnailsQueued()) },
})

const LOGIN_RESULT: Record<number, string> = { 200: 'ok', 401: 'failed', 403: 'failed', 429: 'limited' }

/** Records one finished request (server/plugins/log.ts); `route` is its template. */
export function observeRequest(route: string, method: string, status: number, seconds: number): void {
  requestDuration.observe({ route, method, status }, seconds)
  if (route === '/api/login' && method === 'POST') {
    const result = LOGIN_RESULT[status]
    if (result) logins.inc({ result })
  }
}

/** One stored upload of `bytes` bytes. */
export function observeUpload(bytes: number): void {
  uploads.inc()
  uploadBytes.inc(bytes)
}

/** Constant-time comparison of the Authorization header with `Bearer <METRICS_TOKEN>`. */
export function metricsAuthorized(header: string | undefined, token: string): boolean {
  if (!header) return false
  const digest = (value: string) => createHash('sha256').update(value).digest()
  return timingSafeEqual(digest(header.trim()), digest(`Bearer ${token}`))
}
