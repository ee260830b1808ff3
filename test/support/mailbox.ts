import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer } from 'smtp-server'
import { afterAll } from 'vitest'
import { freePort } from '../setup/server'

// A real SMTP server inside the test run (smtp-server), whose received mail is parsed with
// mailparser: the gallery's mailer talks real SMTP to it, nothing of ours is mocked.

export interface Received { to: string[], subject: string, text: string, html: string, raw: ParsedMail }

export interface Mailbox {
  url: string
  received: Received[]
  /** The first mail (arrived or arriving within `timeoutMs`) that matches. */
  waitFor: (match: (mail: Received) => boolean, timeoutMs?: number) => Promise<Received>
  /** Mails that match, after waiting `settleMs` for stragglers. */
  settled: (match: (mail: Received) => boolean, settleMs?: number) => Promise<Received[]>
  close: () => Promise<void>
}

/** `answerDelayMs`: how long the server waits before accepting each mail's sender (a slow SMTP server). */
export async function startMailbox({ answerDelayMs = 0 } = {}): Promise<Mailbox> {
  const received: Received[] = []
  const listeners = new Set<() => void>()
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onMailFrom(_address, _session, callback) {
      setTimeout(() => callback(), answerDelayMs)
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then((mail) => {
        const to = (Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : []).flatMap(a => a.value.map(v => v.address ?? ''))
        received.push({ to, subject: mail.subject ?? '', text: mail.text ?? '', html: typeof mail.html === 'string' ? mail.html : '', raw: mail })
        for (const listener of listeners) listener()
        callback()
      }, callback)
    },
  })
  const port = await freePort()
  await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve))
  const close = () => new Promise<void>(resolve => server.close(() => resolve()))
  afterAll(close)
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    waitFor(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = received.find(match)
          if (!found) return false
          clearTimeout(timer)
          listeners.delete(listener)
          resolve(found)
          return true
        }
        const listener = () => void check()
        const timer = setTimeout(() => {
          listeners.delete(listener)
          reject(new Error(`no matching mail within ${timeoutMs} ms (received ${received.length}: ${received.map(m => m.subject).join(' | ')})`))
        }, timeoutMs)
        if (!check()) listeners.add(listener)
      })
    },
    async settled(match, settleMs = 1500) {
      await new Promise(resolve => setTimeout(resolve, settleMs))
      return received.filter(match)
    },
    close,
  }
}

/** The token of the first link in a mail to `page` (e.g. `/password/reset`). */
export function linkToken(mail: Received, page: string): string {
  const match = new RegExp(`https?://[^\\s"<>]+${page.replace(/\//g, '\\/')}\\?token=([\\w%-]+)`).exec(mail.text)
  if (!match?.[1]) throw new Error(`no ${page} link in: ${mail.text}`)
  return decodeURIComponent(match[1])
}
