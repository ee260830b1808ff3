import { useConfig } from '../infra/config'
import { usePool } from '../infra/db'
import { flushLog, useLogger } from '../infra/log'
import { closeRedis } from '../infra/rateLimit'

/**
 * Graceful shutdown (SPEC §11). Nitro's node server does the draining: on SIGTERM (or SIGINT) it
 * stops accepting connections, asks keep-alive clients to close, waits for the requests in flight
 * (uploads) for NITRO_SHUTDOWN_TIMEOUT — which server/infra/config.ts sets from
 * SHUTDOWN_GRACE_SECONDS — then calls the `close` hooks and exits 0. Here the `close` hook releases
 * what would keep the process alive or lose data: the database pool, Redis and the log buffer
 * (exiftool's perl processes: server/plugins/exiftool.ts).
 */
export default defineNitroPlugin((nitroApp) => {
  // Lazily, after server/plugins/startup.ts has checked the configuration the logger reads.
  const announce = (signal: NodeJS.Signals) => () =>
    useLogger().info({ signal, grace_seconds: useConfig().shutdownGraceSeconds }, 'shutting down: no new connections; waiting for requests in flight')
  process.once('SIGTERM', announce('SIGTERM'))
  process.once('SIGINT', announce('SIGINT'))
  nitroApp.hooks.hook('close', async () => {
    await Promise.allSettled([usePool().end(), closeRedis()])
    useLogger().info('shut down: database pool and Redis closed')
    flushLog()
  })
})
