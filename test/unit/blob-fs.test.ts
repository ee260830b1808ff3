import { randomBytes } from 'node:crypto'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { createFsBlobStore } from '../../server/infra/blob/fs.ts'
import { blobStoreContract, HOSTILE_KEYS } from './blob-contract'

blobStoreContract('fs', async () => {
  const root = await mkdtemp(join(tmpdir(), 'blob-fs-'))
  return { store: createFsBlobStore(root), cleanup: () => rm(root, { recursive: true, force: true }) }
})

const listTree = async (dir: string) =>
  (await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])).map(e => join(e.parentPath, e.name)).sort()

describe('fs driver specifics', () => {
  it('keeps object <user id>/<name> at <root>/<user id>/<name> (the layout existing upload folders have)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'blob-fs-'))
    await createFsBlobStore(root).put('12/abc.png', Readable.from([Buffer.from('png bytes')]))
    expect(await readFile(join(root, '12', 'abc.png'), 'utf8')).toBe('png bytes')
    await rm(root, { recursive: true })
  })

  it('creates, reads and removes nothing outside its root for keys that try to escape', async () => {
    // The root sits inside a sandbox folder: anything written next to it would be an escape.
    const sandbox = await mkdtemp(join(tmpdir(), 'blob-sandbox-'))
    const root = join(sandbox, 'root')
    await mkdir(root)
    await writeFile(join(sandbox, 'outside'), 'secret')
    const store = createFsBlobStore(root)
    const before = await listTree(sandbox)
    for (const key of [...HOSTILE_KEYS, join(sandbox, 'outside'), `../${'x'}`]) {
      await expect(store.put(key, Readable.from([Buffer.from('x')]))).rejects.toThrow()
      await expect(store.get(key)).rejects.toThrow()
      await expect(store.delete(key)).rejects.toThrow()
    }
    expect(await listTree(sandbox)).toEqual(before)
    expect(await readFile(join(sandbox, 'outside'), 'utf8')).toBe('secret')
    await rm(sandbox, { recursive: true })
  })

  it('writes a stream in flight only under .tmp/, named after this process, and lists none of it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'blob-fs-'))
    const store = createFsBlobStore(root)
    const body = new PassThrough()
    const putting = store.put('3/slow.png', body)
    body.write(randomBytes(1000))
    const until = Date.now() + 2000
    while ((await readdir(join(root, '.tmp')).catch(() => [])).length === 0 && Date.now() < until) await new Promise(r => setTimeout(r, 10))
    const inFlight = await readdir(join(root, '.tmp'))
    expect(inFlight).toEqual([expect.stringContaining(`~${process.pid}~`)])
    expect(await stat(join(root, '3', 'slow.png')).catch(() => undefined)).toBeUndefined()
    const listed = []
    for await (const entry of store.list()) listed.push(entry)
    expect(listed).toEqual([])
    body.end(randomBytes(1000))
    await putting
    expect((await store.stat('3/slow.png'))?.size).toBe(2000)
    expect(await readdir(join(root, '.tmp'))).toEqual([])
    await rm(root, { recursive: true })
  })

  it('lists only names that are keys: not dot files, not the temporary folder, not foreign names', async () => {
    const root = await mkdtemp(join(tmpdir(), 'blob-fs-'))
    for (const file of ['.gitkeep', '.tmp/host~1~x.upload', '.orphans/1/a.png', '4/ok.png', '4/with space.png', '4/.DS_Store']) {
      mkdirSync(join(root, file, '..'), { recursive: true })
      await writeFile(join(root, file), 'x')
    }
    const keys = []
    for await (const entry of createFsBlobStore(root).list()) keys.push(entry.key)
    expect(keys).toEqual(['4/ok.png'])
    await rm(root, { recursive: true })
  })

  describe('moving a local file in from another filesystem', () => {
    // A tmpfs of its own: rename(2) across filesystems fails with EXDEV, which the driver must handle.
    const otherDisk = mkdtempSync(join(tmpdir(), 'blob-otherfs-'))
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', otherDisk])
    afterAll(() => { spawnSync('umount', ['-l', otherDisk]) })

    it('copies, then removes the local file (EXDEV)', async () => {
      const root = await mkdtemp(join(tmpdir(), 'blob-fs-'))
      const bytes = randomBytes(200_000)
      const local = join(otherDisk, 'upload.tmp')
      await writeFile(local, bytes)
      await createFsBlobStore(root).putFile('5/far.png', local)
      expect((await readFile(join(root, '5', 'far.png'))).equals(bytes)).toBe(true)
      expect(await stat(local).catch(() => undefined)).toBeUndefined()
      expect(await readdir(join(root, '.tmp'))).toEqual([])
      await rm(root, { recursive: true })
    })
  })
})
