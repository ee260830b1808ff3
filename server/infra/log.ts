import { randomUUID } from 'node:crypto'
import pino, { type Logger } from 'pino'
import { useConfig } from './config.ts'

/**
 * The server's structured log (SPEC §11): one JSON line per request in production, pretty lines in
 * development (pino-pretty, a dev dependency, loaded through pino's transport only there). Lines go
 * to stdout through an asynchronous buffer (SonicBoom), so a request never waits for the write;
 * `flushLog()` empties it at shutdown (pino also does at exit).
 *
 * What may be logged: route templates (never raw paths: share tokens live in them), ids, statuses,
 * durations, error stacks. Never headers, cookies, bodies, query strings, passwords or tokens.
 */

let logger: Logger | undefined
let destination: ReturnType<typeof pino.destination> | undefined

export function useLogger(): Logger {
  if (logger) return logger
  const { production, logLevel } = useConfig()
  const options: pino.LoggerOptions = {
    level: logLevel,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: label => ({ level: label }) },
  }
  if (production) {
    // Lines are gathered into 4 KB writes (one write syscall cost about as much as formatting the
    // line) and the buffer is written out at least every second, so a quiet server's lines still appear.
    const buffered = pino.destination({ dest: 1, sync: false, minLength: 4096 })
    setInterval(() => buffered.flush(), 1000).unref()
    // Whatever way the process ends (Nitro's shutdown calls process.exit), the buffer is written first.
    process.once('exit', flushLog)
    destination = buffered
    logger = pino(options, buffered)
  }
  else {
    logger = pino({ ...options, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } })
  }
  return logger
}

/** Writes out what is buffered, synchronously (shutdown, exit). */
export function flushLog(): void {
  try { destination?.flushSync() }
  catch { /* stdout gone, or already closed: nothing left to do */ }
}

/** An incoming X-Request-Id is kept when it is 1–200 visible ASCII characters; anything else is replaced. */
const SANE_REQUEST_ID = /^[\x21-\x7e]{1,200}$/

export function requestIdFrom(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID()
}

/** A first path segment that may name a page or a public file in a log or a metric label. */
const PLAIN_SEGMENT = /^[\w.-]{1,40}$/

/**
 * The route template of a request, for logs and metric labels: the matched Nitro route
 * (`/api/images/:id/file`) when there is one; otherwise pages and files are reduced to their first
 * segment with every further segment a `:param` (`/albums/:param`), share pages are `/s/:token`,
 * and anything that answered 404 is `/**` — so neither a token nor an attacker's made-up paths ever
 * reach a log line or a label.
 */
export function routeTemplate(matched: string | undefined, path: string, status: number): string {
  if (matched && !matched.includes('**')) return matched
  if (matched?.startsWith('/api/')) return '/api/**'
  const end = path.indexOf('?')
  const pathname = end < 0 ? path : path.slice(0, end)
  if (pathname.startsWith('/s/') || pathname === '/s') return '/s/:token'
  if (pathname.startsWith('/_nuxt/')) return '/_nuxt/:asset'
  if (status === 404) return '/**'
  if (pathname === '/') return '/'
  const segments = pathname.split('/').slice(1)
  const first = segments[0]!
  return '/' + (PLAIN_SEGMENT.test(first) ? first : ':param') + segments.slice(1).map(() => '/:param').join('')
}
