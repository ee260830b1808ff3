import { fetch } from '@nuxt/test-utils/e2e'
import { afterAll, describe, expect, it } from 'vitest'
import type { ImageDto } from '../../shared/contracts/images'
import { PASSWORD, bearer, makeImage, signUp, upload } from '../setup/api'
import { startPrivateMariadb } from '../setup/privateMariadb'
import { startServer } from '../setup/server'

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

    mariadb.freeze()
    let frozen: Answer[]
    try {
      frozen = await burst(token, username)
    }
    finally {
      mariadb.thaw()
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
