import { useConfig } from '../infra/config'
import { usePool } from '../infra/db'
import { flushLog, useLogger } from '../infra/log'
import { drainMail } from '../infra/mail'
import { closeRedis } from '../infra/rateLimit'

/**
 * Graceful shutdown (SPEC §11). Nitro's node server does the draining: on SIGTERM (or SIGINT) it
 * stops accepting connections, asks keep-alive clients to close, waits for the requests in flight
 * (uploads) for NITRO_SHUTDOWN_TIMEOUT — which server/infra/config.ts sets from
 * SHUTDOWN_GRACE_SECONDS — then calls the `close` hooks and exits 0. Here the `close` hook releases
 * what would keep the process alive or lose data: the database pool, Redis, the mail queue and the
 * log buffer (exiftool's perl processes: server/plugins/exiftool.ts).
 *
 * Queued mail (a reset link asked for just before) is handed to SMTP before the exit, within what is
 * left of the same grace period counted from the signal: requests and mail together never hold the
 * process longer than SHUTDOWN_GRACE_SECONDS, and mail still queued then is dropped and counted in the log.
 */
export default defineNitroPlugin((nitroApp) => {
  let signalledAt: number | undefined
  // Lazily, after server/plugins/startup.ts has checked the configuration the logger reads.
  const announce = (signal: NodeJS.Signals) => () => {
    signalledAt ??= Date.now()
    useLogger().info({ signal, grace_seconds: useConfig().shutdownGraceSeconds }, 'shutting down: no new connections; waiting for requests in flight')
  }
  process.once('SIGTERM', announce('SIGTERM'))
  process.once('SIGINT', announce('SIGINT'))
  nitroApp.hooks.hook('close', async () => {
    const deadline = (signalledAt ?? Date.now()) + useConfig().shutdownGraceSeconds * 1000
    const [dropped] = await Promise.all([drainMail(deadline), Promise.allSettled([usePool().end(), closeRedis()])])
    if (dropped) useLogger().warn({ dropped_mails: dropped }, `shutdown grace period over: ${dropped} queued mail(s) dropped unsent`)
    useLogger().info('shut down: database pool, Redis and mail queue closed')
    flushLog()
  })
})
