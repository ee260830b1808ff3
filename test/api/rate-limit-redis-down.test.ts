import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fetch } from '@nuxt/test-utils/e2e'
import Redis from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { PASSWORD, postJson, uniqueName } from '../setup/api'
import { freePort, startServer } from '../setup/server'

// A Redis of this file's own, so stopping it disturbs no other test.
const port = await freePort()
let redisServer: ChildProcess | undefined

async function startRedis(): Promise<void> {
  redisServer = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  for (let attempt = 0; attempt < 100; attempt++) {
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null })
    probe.on('error', () => { /* not up yet: polled below */ })
    const answered = await probe.connect().then(() => probe.ping()).then(() => true, () => false)
    probe.disconnect()
    if (answered) return
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error(`the test's Redis on port ${port} did not start`)
}

async function stopRedis(): Promise<void> {
  const server = redisServer
  if (!server || server.exitCode !== null) return
  server.kill('SIGKILL')
  await once(server, 'exit')
}

await startRedis()
await startServer({ REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_PREFIX: 'down-test' })
afterAll(async () => {
  redisServer?.kill('SIGCONT')
  await stopRedis()
})

const wrongLogin = () => postJson('/api/login', { username: uniqueName(), password: 'wrong password' })

/** Polls until the server evaluates logins again (it reconnects by itself). */
async function untilLoginsAreEvaluated(): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await wrongLogin()).status === 401) return
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error('logins still not evaluated 10 s after Redis came back')
}

async function expectUnavailable(res: Response): Promise<void> {
  expect(res.status).toBe(503)
  expect(await res.json()).toEqual({ message: '服务暂时不可用，请稍后再试', code: 'SERVICE_UNAVAILABLE' })
}

describe('rate limits when Redis fails', () => {
  it('answers 503 to logins and registrations while Redis is down, never unlimited, and recovers by itself', async () => {
    expect((await wrongLogin()).status).toBe(401)
    await stopRedis()
    await expectUnavailable(await wrongLogin())
    await expectUnavailable(await postJson('/api/register', { username: uniqueName(), password: PASSWORD }))
    // Routes that need no limit keep working.
    expect((await fetch('/api/health')).status).toBe(200)
    await startRedis()
    await untilLoginsAreEvaluated()
  })

  it('answers 503 within seconds when Redis stops answering (frozen), and recovers when it resumes', async () => {
    expect((await wrongLogin()).status).toBe(401)
    redisServer?.kill('SIGSTOP')
    try {
      const started = Date.now()
      await expectUnavailable(await wrongLogin())
      expect(Date.now() - started).toBeLessThan(5000)
    }
    finally {
      redisServer?.kill('SIGCONT')
    }
    await untilLoginsAreEvaluated()
  })
})
