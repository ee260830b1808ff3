import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { makeImage } from '../setup/api'
import { freePort, productionEnv, storageEnv } from '../setup/server'
import { query } from '../support/db'
import { startMailbox } from '../support/mailbox'
import { fileEpilogue, filePrologue, multipart } from '../support/multipart'
import { type OwnServer, rawUpload, scratchFolder, signUpOn } from './upload-server'

// Graceful shutdown (SPEC §11): SIGTERM stops new connections, lets an upload in flight finish
// within SHUTDOWN_GRACE_SECONDS, hands queued mail to SMTP within the same period, closes the pool
// and Redis, and exits 0. A server of the test's own (its exit code is what is tested), with Redis
// for the rate limits so that closing it is exercised.

interface Stoppable extends OwnServer { exit: Promise<{ code: number | null, signal: string | null, at: number }> }

// Each mail takes the slow SMTP server 800 ms: three (two at a time) are still on their way at
// SIGTERM. The stuck one takes longer than any grace period here.
const slowMailbox = await startMailbox({ answerDelayMs: 800 })
const stuckMailbox = await startMailbox({ answerDelayMs: 30_000 })

const children: Array<() => void> = []
afterAll(() => { for (const kill of children) kill() })

async function start(graceSeconds: number, env: Record<string, string> = {}): Promise<Stoppable> {
  const folder = await scratchFolder()
  const port = await freePort()
  let output = ''
  const child = spawn(process.execPath, [join(inject('serverOutput'), 'server/index.mjs')], {
    env: {
      ...process.env,
      ...productionEnv(port, folder),
      ...await storageEnv(folder),
      PORT: String(port),
      HOST: '127.0.0.1',
      RATE_LIMIT_REGISTER_PER_IP: '100000',
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_PREFIX: `shutdown-test-${port}`,
      SHUTDOWN_GRACE_SECONDS: String(graceSeconds),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(() => child.kill('SIGKILL'))
  child.stdout.on('data', (chunk: Buffer) => { output += chunk })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk })
  const exit = new Promise<{ code: number | null, signal: string | null, at: number }>(resolve =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })))
  const base = `http://127.0.0.1:${port}`
  const server = {
    port, pid: child.pid!, uploadFolder: folder, exit,
    output: () => output,
    fetch: (path: string, init?: RequestInit) => fetch(base + path, init),
    kill: async () => { child.kill('SIGKILL') },
    faults: async () => [],
  } satisfies Stoppable
  const deadline = Date.now() + 60_000
  while ((await server.fetch('/readyz').then(res => res.status, () => 0)) !== 200) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start:\n${output}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  return server
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

describe('SIGTERM', () => {
  it('lets an upload in flight finish, refuses new connections, closes everything and exits 0', async () => {
    const server = await start(20)
    const user = await signUpOn(server)
    const image = await makeImage('png', 300, 200)
    const body = Buffer.concat([filePrologue('in-flight.png'), image, fileEpilogue()])
    const upload = rawUpload(server, user.auth, body.length, multipart([]).contentType)
    const third = Math.floor(body.length / 3)
    upload.socket.write(body.subarray(0, third))
    await sleep(300)

    const signalled = Date.now()
    process.kill(server.pid, 'SIGTERM')
    await sleep(500)
    // The listener is closed: a new connection is refused while the upload goes on.
    await expect(server.fetch('/livez')).rejects.toThrow()
    upload.socket.write(body.subarray(third, 2 * third))
    await sleep(700)
    upload.socket.write(body.subarray(2 * third))
    await upload.closed

    expect(upload.received()).toMatch(/^HTTP\/1\.1 201 /)
    const exit = await server.exit
    expect(exit).toMatchObject({ code: 0, signal: null })
    // It waited for the upload, not for the grace period.
    expect(exit.at - signalled).toBeGreaterThan(1000)
    expect(exit.at - signalled).toBeLessThan(15_000)
    const rows = await query<{ filename: string, size: number }>('SELECT filename, size FROM images WHERE user_id = ?', [user.userId])
    expect(rows).toEqual([{ filename: 'in-flight.png', size: image.length }])
    expect(server.output()).toContain('shut down: database pool, Redis and mail queue closed')
  })

  it('gives up on a request that outlasts SHUTDOWN_GRACE_SECONDS and still exits 0', async () => {
    const server = await start(2)
    const user = await signUpOn(server)
    const upload = rawUpload(server, user.auth, 100_000, multipart([]).contentType)
    upload.socket.write(filePrologue('never-finished.png'))
    await sleep(300)
    const signalled = Date.now()
    process.kill(server.pid, 'SIGTERM')
    const exit = await server.exit
    expect(exit).toMatchObject({ code: 0, signal: null })
    expect(exit.at - signalled).toBeGreaterThan(1500)
    expect(exit.at - signalled).toBeLessThan(8000)
    await upload.closed
    expect(await query('SELECT id FROM images WHERE user_id = ?', [user.userId])).toEqual([])
  })

  describe('with mail in the queue', () => {
    const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

    /** Asks for `count` reset links (one per fresh user with a verified address): `count` mails queued. */
    async function queueResetMails(server: Stoppable, count: number): Promise<string[]> {
      const addresses: string[] = []
      for (let i = 0; i < count; i++) {
        const user = await signUpOn(server)
        const address = `shutdown-${server.port}-${i}@example.test`
        await query('UPDATE users SET email = ?, email_verified_at = CURRENT_TIMESTAMP(3) WHERE id = ?', [address, user.userId])
        addresses.push(address)
      }
      for (const address of addresses) {
        expect((await server.fetch('/api/password/forgot', json({ email: address }))).status).toBe(202)
      }
      return addresses
    }

    /** A server with `graceSeconds` and this SMTP server, three reset mails queued, then SIGTERM: how it ended and after how long. */
    async function stopWithMailQueued(graceSeconds: number, mailbox: { url: string }) {
      const server = await start(graceSeconds, { SMTP_URL: mailbox.url })
      const addresses = await queueResetMails(server, 3)
      const signalled = Date.now()
      process.kill(server.pid, 'SIGTERM')
      const exit = await server.exit
      expect(exit).toMatchObject({ code: 0, signal: null })
      return { server, addresses, elapsed: exit.at - signalled }
    }

    it('hands every queued mail to SMTP before exiting', async () => {
      const { server, addresses, elapsed } = await stopWithMailQueued(20, slowMailbox)
      expect(elapsed).toBeGreaterThan(1000)
      expect(elapsed).toBeLessThan(15_000)
      for (const address of addresses) {
        expect(slowMailbox.received.filter(mail => mail.to.includes(address)).map(mail => mail.subject)).toEqual(['重置密码 / Reset your password'])
      }
      expect(server.output()).not.toContain('dropped unsent')
    })

    it('drops mail still queued when the grace period is over, says how many, and exits 0', async () => {
      const { server, addresses, elapsed } = await stopWithMailQueued(2, stuckMailbox)
      expect(elapsed).toBeGreaterThan(1500)
      expect(elapsed).toBeLessThan(8000)
      expect(server.output()).toMatch(/"dropped_mails":3\b.*shutdown grace period over: 3 queued mail\(s\) dropped unsent/)
      expect(stuckMailbox.received.filter(mail => addresses.some(address => mail.to.includes(address)))).toEqual([])
    })
  })
})
