import { fetch } from '@nuxt/test-utils/e2e'
import { sql } from 'drizzle-orm'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { usePool, useDb } from '../../server/infra/db'
import { isDatabaseDown } from '../../server/infra/http/errors'
import type { ImageDto } from '../../shared/contracts/images'
import { PASSWORD, bearer, makeImage, signUp, upload } from '../setup/api'
import { startPrivateMariadb } from '../setup/privateMariadb'
import { TEST_SECRET, TEST_SECRET_KEY, startServer } from '../setup/server'

// A MariaDB of this file's own: freezing the shared one would hang every other test file.
const mariadb = await startPrivateMariadb()
afterAll(() => mariadb.stop())
// 3 s instead of the default 8 s leaves 7 s of the 10 s budget for a loaded machine.
const DB_TIMEOUT_MS = 3000
await startServer({ DB_PORT: String(mariadb.port), DB_TIMEOUT_MS: String(DB_TIMEOUT_MS) }).catch(async (error) => {
  await mariadb.stop()
  throw error
})

interface Answer { name: string, status: number | 'no answer', code?: string, ms: number, body: unknown }

/** Sends a request and measures until its whole answer is read; no answer after 20 s counts as one. */
async function timed(name: string, send: (signal: AbortSignal) => Promise<Response>): Promise<Answer> {
  const started = performance.now()
  try {
    const res = await send(AbortSignal.timeout(20_000))
    const body: unknown = await res.json().catch(() => undefined)
    const code = (body as { code?: string } | undefined)?.code
    return { name, status: res.status, code, body, ms: Math.round(performance.now() - started) }
  }
  catch {
    return { name, status: 'no answer', ms: Math.round(performance.now() - started), body: undefined }
  }
}

/** Six parallel list requests (each on its own pooled connection), the health check and a login, all at once. */
function burst(token: string, username: string): Promise<Answer[]> {
  return Promise.all([
    ...Array.from({ length: 6 }, (_, i) => timed(`list ${i + 1}`, signal => fetch('/api/images', { headers: bearer(token), signal }))),
    timed('health', signal => fetch('/api/health', { signal })),
    timed('login', signal => fetch('/api/login', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }), signal,
    })),
  ])
}

const report = (title: string, answers: Answer[]) =>
  console.info(`[frozen-db] ${title}: ${answers.map(a => `${a.name} ${a.status} ${a.ms} ms`).join(', ')}`)

describe('a frozen database', () => {
  it('answers 503 within 10 s to every request while the database is frozen, and recovers by itself when it wakes', async () => {
    const { username, token } = await signUp()
    expect((await upload(token, await makeImage(), 'before.png')).status).toBe(201)
    // Warm the pool: parallel requests leave several open connections, and a query on an already
    // open connection is the call that used to wait for the database forever.
    const warm = await burst(token, username)
    report('warm', warm)
    expect(warm.map(a => a.status)).toEqual(warm.map(() => 200))

    await mariadb.freeze()
    let frozen: Answer[]
    try {
      frozen = await burst(token, username)
    }
    finally {
      await mariadb.thaw()
    }
    report('frozen', frozen)
    for (const answer of frozen) {
      expect(answer, answer.name).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' })
      expect(answer.ms, answer.name).toBeLessThan(10_000)
    }
    // No driver detail reaches the client.
    expect(JSON.stringify(frozen.map(a => a.body))).not.toMatch(/timeout|mysql|PROTOCOL|DB_TIMEOUT|127\.0\.0\.1/i)

    // Recovery without restarting the server: the same requests succeed again within a few seconds.
    const thawed = performance.now()
    let again: Answer[] = []
    while (performance.now() - thawed < 15_000) {
      again = await burst(token, username)
      if (again.every(a => a.status === 200)) break
      await new Promise(resolve => setTimeout(resolve, 250))
    }
    report(`after thaw (${Math.round(performance.now() - thawed)} ms to recover)`, again)
    expect(again.map(a => a.status)).toEqual(again.map(() => 200))
    const list = again.find(a => a.name === 'list 1')?.body as ImageDto[]
    expect(list.map(image => image.filename)).toEqual(['before.png'])
  }, 90_000)
})

/** Runs `call` and returns how it failed and how long that took (it must fail). */
async function failure(call: () => Promise<unknown>): Promise<{ error: unknown, ms: number }> {
  const started = performance.now()
  const error = await call().then(() => new Error('the call succeeded'), (e: unknown) => e)
  return { error, ms: Math.round(performance.now() - started) }
}

// The server's own pool module, loaded into this test process against the private MariaDB: the
// paths no route takes yet (transactions, more callers than connections) with the real driver.
describe('the bounded pool (server/infra/db in this process)', () => {
  // config.ts reads the environment once, on the first useDb() below.
  Object.assign(process.env, {
    DB_HOST: '127.0.0.1', DB_PORT: String(mariadb.port), DB_USER: 'root', DB_PASSWORD: '', DB_NAME: inject('dbName'),
    DB_TIMEOUT_MS: String(DB_TIMEOUT_MS), JWT_SECRET_KEY: TEST_SECRET, SECRET_KEY: TEST_SECRET_KEY,
  })
  afterAll(() => usePool().end())
  const connectionId = async (db: Pick<ReturnType<typeof useDb>, 'execute'>) => {
    const [rows] = await db.execute(sql`SELECT CONNECTION_ID() AS id`)
    return (rows as unknown as Array<{ id: number }>)[0]?.id
  }

  it('bounds each query inside a transaction, and never lends out the connection that timed out again', async () => {
    let stuck: number | undefined
    const { error, ms } = await failure(() => useDb().transaction(async (tx) => {
      stuck = await connectionId(tx)
      await mariadb.freeze()
      await tx.execute(sql`SELECT 1`)
    })).finally(() => mariadb.thaw())
    console.info(`[frozen-db] transaction query failed after ${ms} ms`)
    expect(isDatabaseDown(error)).toBe(true)
    expect(ms).toBeLessThan(DB_TIMEOUT_MS + 3000)
    expect(stuck).toBeTypeOf('number')
    // More parallel callers than the pool has connections, each holding its connection a moment:
    // every connection of the pool is lent out, and none is the one that timed out.
    const ids = await Promise.all(Array.from({ length: 15 }, () => useDb().transaction(async (tx) => {
      const id = await connectionId(tx)
      await tx.execute(sql`SELECT SLEEP(0.05)`)
      return id
    })))
    expect(new Set(ids).size).toBeGreaterThan(1)
    expect(ids).not.toContain(stuck)
  })

  it('fails callers queued for a connection within the bound when all connections are stuck', async () => {
    // Ten open connections in the pool, then thirty callers: ten wait on a frozen connection, twenty
    // wait for one of those to come back, which mysql2 alone would let them do for ever.
    await Promise.all(Array.from({ length: 10 }, () => useDb().execute(sql`SELECT SLEEP(0.1)`)))
    await mariadb.freeze()
    const failures = await Promise.all(Array.from({ length: 30 }, () => failure(() => useDb().execute(sql`SELECT 1`))))
      .finally(() => mariadb.thaw())
    const slowest = Math.max(...failures.map(f => f.ms))
    console.info(`[frozen-db] 30 callers on a pool of 10: slowest failed after ${slowest} ms`)
    expect(failures.every(f => isDatabaseDown(f.error))).toBe(true)
    expect(slowest).toBeLessThan(DB_TIMEOUT_MS + 3000)
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => useDb().execute(sql`SELECT ${i} AS n`)))
    // Each caller gets its own answer, not a late one meant for a query that timed out.
    expect(answers.map(([rows]) => (rows as unknown as Array<{ n: number }>)[0]?.n)).toEqual(Array.from({ length: 30 }, (_, i) => i))
  })
})
