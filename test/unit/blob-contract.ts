import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type BlobEntry, type BlobStore, InvalidBlobKeyError } from '../../server/infra/blob/index.ts'

/** A fresh, empty store for one test, and how to throw it away. */
export type BlobStoreFactory = () => Promise<{ store: BlobStore, cleanup?: () => Promise<void> }>

const read = async (body: Readable | undefined) => {
  expect(body, 'object exists').toBeDefined()
  const chunks: Buffer[] = []
  for await (const chunk of body!) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks)
}

const listAll = async (store: BlobStore) => {
  const entries: BlobEntry[] = []
  for await (const entry of store.list()) entries.push(entry)
  return entries.sort((a, b) => a.key.localeCompare(b.key))
}

/** A stream that yields some bytes, then fails (a client that went away mid-upload). */
const failingStream = () => Readable.from((async function* () {
  yield randomBytes(64 * 1024)
  throw new Error('client went away')
})())

/** Keys that must be refused before any storage is touched. */
export const HOSTILE_KEYS = [
  '', '/', '/etc/passwd', '../outside', '1/../../outside', '1/../2/x', './1/x', '1/./x', '1//x', '1/x/', '..', '.',
  '1\\..\\..\\outside', '1/x\u0000.png', '.tmp/x', '1/.hidden', '1/x y.png', '1/%2e%2e', 'C:\\x', '1/x\n.png', 'a'.repeat(600),
]

/**
 * The storage contract: every driver (fs today, S3 next) runs this suite against a real backend. It
 * pins what the rest of the server relies on — whole-or-nothing writes, byte ranges, undefined for
 * missing objects, idempotent delete, a listing with sizes and times, refusal of keys that escape.
 */
export function blobStoreContract(name: string, factory: BlobStoreFactory) {
  describe(`blob store contract: ${name}`, () => {
    let store: BlobStore
    let cleanup: (() => Promise<void>) | undefined
    let scratch: string
    beforeEach(async () => {
      ({ store, cleanup } = await factory())
      scratch = await mkdtemp(join(tmpdir(), 'blob-contract-'))
    })
    afterEach(async () => {
      await cleanup?.()
      await rm(scratch, { recursive: true, force: true })
    })

    it('puts a stream and gets the same bytes back, with its size and modification time', async () => {
      const bytes = randomBytes(300_000)
      const before = Date.now()
      await store.put('7/photo.png', Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]))
      expect((await read(await store.get('7/photo.png'))).equals(bytes)).toBe(true)
      const stats = await store.stat('7/photo.png')
      expect(stats?.size).toBe(bytes.length)
      expect(stats?.mtime).toBeInstanceOf(Date)
      // Within a couple of seconds of now (filesystems and S3 both keep whole seconds at worst).
      expect(Math.abs(stats!.mtime.getTime() - before)).toBeLessThan(5000)
    })

    it('stores an empty object', async () => {
      await store.put('7/empty', Readable.from([]))
      expect(await store.stat('7/empty')).toMatchObject({ size: 0 })
      expect((await read(await store.get('7/empty'))).length).toBe(0)
    })

    it('moves a finished local file in, leaving no local file behind', async () => {
      const bytes = randomBytes(100_000)
      const local = join(scratch, 'upload.tmp')
      await writeFile(local, bytes)
      await store.putFile('7/moved.jpg', local)
      expect((await read(await store.get('7/moved.jpg'))).equals(bytes)).toBe(true)
      expect(await stat(local).catch(() => undefined)).toBeUndefined()
    })

    it('replaces an object put again under the same key', async () => {
      await store.put('7/x.png', Readable.from([Buffer.from('first version')]))
      await store.put('7/x.png', Readable.from([Buffer.from('second')]))
      expect((await read(await store.get('7/x.png'))).toString()).toBe('second')
      expect((await store.stat('7/x.png'))?.size).toBe(6)
    })

    it.each([
      ['the first byte', { start: 0, end: 0 }, [0, 1]],
      ['the first ten bytes', { start: 0, end: 9 }, [0, 10]],
      ['a middle slice', { start: 12_345, end: 54_321 }, [12_345, 54_322]],
      ['the last byte', { start: 99_999, end: 99_999 }, [99_999, 100_000]],
      ['a range running past the end (cut at the end)', { start: 99_990, end: 200_000 }, [99_990, 100_000]],
      ['the whole object', { start: 0, end: 99_999 }, [0, 100_000]],
    ] as const)('gets %s of an object (inclusive range)', async (_, range, [from, to]) => {
      const bytes = randomBytes(100_000)
      await store.put('7/ranged.png', Readable.from([bytes]))
      expect((await read(await store.get('7/ranged.png', range))).equals(bytes.subarray(from, to))).toBe(true)
    })

    it('answers undefined for a key that was never stored (get and stat)', async () => {
      expect(await store.get('7/missing.png')).toBeUndefined()
      expect(await store.get('7/missing.png', { start: 0, end: 10 })).toBeUndefined()
      expect(await store.stat('7/missing.png')).toBeUndefined()
      expect(await store.stat('404/missing.png')).toBeUndefined()
    })

    it('deletes an object, and deleting it again (or a key never stored) is not an error', async () => {
      await store.put('7/gone.png', Readable.from([Buffer.from('bytes')]))
      await store.delete('7/gone.png')
      expect(await store.stat('7/gone.png')).toBeUndefined()
      expect(await store.get('7/gone.png')).toBeUndefined()
      await expect(store.delete('7/gone.png')).resolves.toBeUndefined()
      await expect(store.delete('404/never.png')).resolves.toBeUndefined()
    })

    it('lists every object with its size and modification time, and nothing that was deleted', async () => {
      expect(await listAll(store)).toEqual([])
      await store.put('1/a.png', Readable.from([Buffer.alloc(10)]))
      await store.put('1/a.thumb.webp', Readable.from([Buffer.alloc(3)]))
      await store.put('22/b.gif', Readable.from([Buffer.alloc(7)]))
      await store.put('22/c.gif', Readable.from([Buffer.alloc(1)]))
      await store.delete('22/c.gif')
      const entries = await listAll(store)
      expect(entries.map(({ key, size }) => ({ key, size }))).toEqual([
        { key: '1/a.png', size: 10 },
        { key: '1/a.thumb.webp', size: 3 },
        { key: '22/b.gif', size: 7 },
      ])
      for (const entry of entries) expect(entry.mtime).toEqual((await store.stat(entry.key))!.mtime)
    })

    it('stores nothing when the stream fails part-way', async () => {
      await expect(store.put('7/broken.png', failingStream())).rejects.toThrow('client went away')
      expect(await store.stat('7/broken.png')).toBeUndefined()
      expect(await listAll(store)).toEqual([])
    })

    it('keeps the previous object whole when a replacement fails part-way', async () => {
      await store.put('7/kept.png', Readable.from([Buffer.from('the original')]))
      await expect(store.put('7/kept.png', failingStream())).rejects.toThrow()
      expect((await read(await store.get('7/kept.png'))).toString()).toBe('the original')
    })

    it.each(HOSTILE_KEYS.map(key => [JSON.stringify(key).slice(0, 40), key]))('refuses the key %s in every method', async (_, key) => {
      const local = join(scratch, 'local.tmp')
      await writeFile(local, 'x')
      await expect(store.put(key, Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(InvalidBlobKeyError)
      await expect(store.putFile(key, local)).rejects.toBeInstanceOf(InvalidBlobKeyError)
      await expect(store.get(key)).rejects.toBeInstanceOf(InvalidBlobKeyError)
      await expect(store.stat(key)).rejects.toBeInstanceOf(InvalidBlobKeyError)
      await expect(store.delete(key)).rejects.toBeInstanceOf(InvalidBlobKeyError)
      expect(await listAll(store)).toEqual([])
      // A refused move leaves the local file where it was.
      expect((await stat(local)).size).toBe(1)
    })

    it('keeps 50 concurrent puts to different keys apart', async () => {
      const objects = Array.from({ length: 50 }, (_, i) => ({ key: `${i % 5}/object-${i}.png`, bytes: randomBytes(20_000 + i) }))
      await Promise.all(objects.map(({ key, bytes }) => store.put(key, Readable.from([bytes.subarray(0, 5000), bytes.subarray(5000)]))))
      for (const { key, bytes } of objects) expect((await read(await store.get(key))).equals(bytes)).toBe(true)
      expect((await listAll(store)).map(e => e.key).sort()).toEqual(objects.map(o => o.key).sort())
    })

    it('leaves one whole version when concurrent puts race for the same key', async () => {
      const versions = Array.from({ length: 10 }, (_, i) => Buffer.alloc(50_000 + i * 1000, 65 + i))
      await Promise.all(versions.map(bytes => store.put('7/raced.png', Readable.from([bytes]))))
      const stored = await read(await store.get('7/raced.png'))
      expect(versions.some(v => v.equals(stored))).toBe(true)
      expect((await listAll(store)).map(e => e.key)).toEqual(['7/raced.png'])
    })
  })
}
