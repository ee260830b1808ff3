import nodemailer, { type Transporter } from 'nodemailer'
import { useConfig } from './config'

/**
 * Outgoing mail (SPEC §10): optional, on only when SMTP_URL is set. Mail is handed to a small
 * in-process queue and sent after the request has answered, a few at a time: a slow or unreachable
 * SMTP server never holds up a request, and a failure is logged (never the link a mail carries),
 * not thrown. The queue lives in memory: on SIGTERM the shutdown (server/plugins/shutdown.ts) waits
 * for it to be handed to SMTP within the grace period (drainMail); what is still waiting then, or
 * when the process dies otherwise, is lost, which for a reset link or a notice only means asking again.
 */

export interface Mail { to: string, subject: string, text: string, html: string }

/** Beyond this many waiting mails new ones are dropped (and logged) instead of growing memory. */
const MAX_WAITING = 1000
/** Mails in flight at once. */
const CONCURRENCY = 2

let transporter: Transporter | undefined
const waiting: Mail[] = []
let active = 0
let idleWaiters: Array<() => void> = []

export const mailEnabled = (): boolean => Boolean(useConfig().smtpUrl)

function useTransporter(): Transporter {
  const { smtpUrl } = useConfig()
  // Bounded waits: an SMTP server that accepts the connection and then says nothing fails the mail.
  transporter ??= nodemailer.createTransport(`${smtpUrl}`, {
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  } as object)
  return transporter
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').slice(0, 300)

/** Queues a mail; returns at once. Does nothing without SMTP_URL. */
export function sendMail(mail: Mail): void {
  if (!mailEnabled()) return
  if (waiting.length >= MAX_WAITING) {
    console.error(`[gallery] mail: queue full (${MAX_WAITING}), dropped "${mail.subject}"`)
    return
  }
  waiting.push(mail)
  pump()
}

function pump(): void {
  while (active < CONCURRENCY && waiting.length) {
    const mail = waiting.shift()
    if (!mail) break
    active++
    useTransporter().sendMail({ from: useConfig().mailFrom, ...mail })
      .catch((error: unknown) => console.error(`[gallery] mail: could not send "${mail.subject}": ${describe(error)}`))
      .finally(() => {
        active--
        pump()
      })
  }
  if (!active && !waiting.length) {
    const waiters = idleWaiters
    idleWaiters = []
    for (const resolve of waiters) resolve()
  }
}

/** Resolves once nothing is waiting or being sent (shutdown, tests). */
export function mailIdle(): Promise<void> {
  if (!active && !waiting.length) return Promise.resolve()
  return new Promise(resolve => idleWaiters.push(resolve))
}

/**
 * Waits until every queued mail has been handed to the SMTP server (or has failed and been logged),
 * but not past `deadline` (epoch milliseconds). Resolves with how many mails were still waiting or
 * in flight then: 0 when the queue drained.
 */
export async function drainMail(deadline: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined
  const timeUp = new Promise<void>((resolve) => { timer = setTimeout(resolve, Math.max(0, deadline - Date.now())) })
  await Promise.race([mailIdle(), timeUp])
  clearTimeout(timer)
  return active + waiting.length
}
