import { inject, afterAll, expect, it } from 'vitest'
import { startPrivateMariadb } from '../setup/privateMariadb'
import { startOwnServer } from './upload-server'

// SPEC §11: with the database gone, /readyz answers 503 naming it while /livez still answers 200.
// A MariaDB of this file's own, so it can be killed.

const mariadb = await startPrivateMariadb()
afterAll(() => mariadb.stop())

it('/readyz is 503 naming the database when it is down; /livez stays 200; both recover', async () => {
  const server = await startOwnServer({ DB_HOST: '127.0.0.1', DB_PORT: String(mariadb.port), DB_USER: 'root', DB_PASSWORD: '', DB_NAME: inject('dbName'), DB_TIMEOUT_MS: '2000' })
  try {
    expect(await (await server.fetch('/readyz')).json()).toEqual({ status: 'ok', checks: { database: 'ok', storage: 'ok' } })
    await mariadb.freeze()
    const started = Date.now()
    const ready = await server.fetch('/readyz')
    expect(ready.status).toBe(503)
    expect(await ready.json()).toEqual({ status: 'fail', checks: { database: 'fail', storage: 'ok' } })
    expect(Date.now() - started).toBeLessThan(5000)
    const live = await server.fetch('/livez')
    expect(live.status).toBe(200)
    expect(await live.json()).toEqual({ status: 'ok', checks: {} })
    await mariadb.thaw()
    let status = 0
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      status = (await server.fetch('/readyz')).status
      if (status !== 200) await new Promise(resolve => setTimeout(resolve, 200))
    }
    expect(status).toBe(200)
  }
  finally {
    await server.kill()
  }
})
