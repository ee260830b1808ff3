import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fetch } from '@nuxt/test-utils/e2e'
import { describe, expect, it } from 'vitest'
import { startServer } from '../setup/server'

// Temporary files as a crashed process, a live process (this test runner) and an unknown writer left them.
const folder = mkdtempSync(join(tmpdir(), 'gallery-sweep-'))
const tmp = join(folder, '.tmp')
mkdirSync(tmp)
const host = hostname().replace(/[^\w.-]/g, '_')
const deadPid = spawnSync(process.execPath, ['-e', 'process.pid']).pid!
const names = {
  crashed: `${host}~${deadPid}~aaaa.upload`,
  inFlight: `${host}~${process.pid}~bbbb.upload`,
  freshUnknown: 'other-host~123~cccc.upload',
  oldUnknown: 'other-host~456~dddd.upload',
}
for (const name of Object.values(names)) writeFileSync(join(tmp, name), 'partial')
const twoHoursAgo = new Date(Date.now() - 2 * 3600_000)
utimesSync(join(tmp, names.oldUnknown), twoHoursAgo, twoHoursAgo)

await startServer({ UPLOAD_FOLDER: folder })

describe('start-up sweep of temporary files', () => {
  it('removes what a dead process or an old upload left, and keeps uploads still in flight elsewhere', async () => {
    expect((await fetch('/api/health')).status).toBe(200)
    expect(readdirSync(tmp).sort()).toEqual([names.freshUnknown, names.inFlight].sort())
  })
})
