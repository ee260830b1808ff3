import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fetch } from '@nuxt/test-utils/e2e'
import { describe, expect, it } from 'vitest'
import { makeImage } from '../setup/api'
import { startServer } from '../setup/server'
import { query, thumbnailsMade } from '../support/db'
import { until } from '../support/files'
import { type OwnServer, scratchFolder, signUpOn, startOwnServer } from './upload-server'

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

describe('start-up consistency sweep (SPEC §6)', () => {
  it('deletes upload files without a row once older than ORPHAN_GRACE_SECONDS, keeps younger ones and names no upload makes, and only reports rows without files', async () => {
    const uploads = await scratchFolder()
    let server: OwnServer = await startOwnServer({}, uploads)
    const user = await signUpOn(server)
    const stored: Array<{ id: number, filename: string }> = []
    for (const name of ['kept.png', 'lost.png']) {
      const form = new FormData()
      form.append('file', new Blob([new Uint8Array(await makeImage('png'))]), name)
      const res = await server.fetch('/api/images/upload', { method: 'POST', headers: user.auth, body: form })
      expect(res.status).toBe(201)
      stored.push((await res.json()).image)
    }
    await thumbnailsMade(stored.map(i => i.id))
    await server.kill()

    const dir = join(uploads, String(user.userId))
    const rows = await query<{ id: number, filepath: string, thumbpath: string }>('SELECT id, filepath, thumbpath FROM images WHERE user_id = ?', [user.userId])
    const lost = rows.find(r => r.id === stored[1]!.id)!
    rmSync(join(uploads, lost.filepath)) // a row without its original
    const hex = () => randomBytes(16).toString('hex')
    const planted = {
      oldOrphan: `${hex()}.png`,
      oldOrphanThumb: `${hex()}.thumb.webp`,
      youngOrphan: `${hex()}.jpg`,
      oldForeign: 'holiday-notes.txt',
      oldShortName: 'deadbeef.png',
    }
    for (const name of Object.values(planted)) writeFileSync(join(dir, name), 'bytes')
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000)
    // The stored images are as old as the orphans: only the missing row makes a file an orphan.
    const aged = [planted.oldOrphan, planted.oldOrphanThumb, planted.oldForeign, planted.oldShortName, ...rows.flatMap(r => [r.filepath, r.thumbpath]).map(k => k.split('/')[1]!)]
    for (const name of aged) if (name !== lost.filepath.split('/')[1]) utimesSync(join(dir, name), twoHoursAgo, twoHoursAgo)

    server = await startOwnServer({ ORPHAN_GRACE_SECONDS: '3600' }, uploads)
    try {
      const expected = [
        ...rows.flatMap(r => [r.filepath, r.thumbpath]).filter(k => k !== lost.filepath).map(k => k.split('/')[1]!),
        planted.youngOrphan, planted.oldForeign, planted.oldShortName,
      ].sort()
      await until(async () => JSON.stringify(readdirSync(dir).sort()) === JSON.stringify(expected), 10_000, 100)
      expect(readdirSync(dir).sort()).toEqual(expected)
      // Rows without files are reported, never deleted.
      expect((await query('SELECT id FROM images WHERE user_id = ? ORDER BY id', [user.userId])).map(r => r.id)).toEqual(stored.map(i => i.id))
      // (The run's database is shared with other test files, whose rows point into their own folders: not counted here.)
      expect(await until(async () => /\d+ row\(s\) without a file, 3 file\(s\) without a row kept/.test(server.output()), 5000)).toBe(true)
      expect(server.output()).toContain('removed 2 file(s) without a row')
      expect(await server.faults()).toEqual([])
    }
    finally {
      await server.kill()
    }
  })
})
