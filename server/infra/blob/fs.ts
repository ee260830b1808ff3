import { createWriteStream } from 'node:fs'
import { copyFile, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { tempDirOf, tempFileName } from '../tempFiles.ts'
import type { BlobEntry, BlobStat, BlobStore, ByteRange } from './index.ts'
import { assertBlobKey, InvalidBlobKeyError, isKeySegment } from './keys.ts'

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code

/** Runs a file operation, turning "no such file" into undefined. */
async function unlessMissing<T>(work: () => Promise<T>): Promise<T | undefined> {
  try { return await work() }
  catch (error) {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return undefined
    throw error
  }
}

/**
 * The filesystem driver: object `<user id>/<name>` is the file `<root>/<user id>/<name>`. Streams are
 * written to `<root>/.tmp/` first and renamed into place, so an object is either whole or absent; a
 * crash mid-write leaves only a temporary file that the start-up sweep removes. Names starting with a
 * dot are the driver's own (never keys, never listed).
 */
export function createFsBlobStore(rootFolder: string): BlobStore {
  const root = resolve(rootFolder)

  /** The file of a key; refuses (twice over: key syntax, then the resolved path) anything outside the root. */
  const pathOf = (key: string) => {
    assertBlobKey(key)
    const full = resolve(root, key)
    if (!full.startsWith(root + sep)) throw new InvalidBlobKeyError(key)
    return full
  }

  /** Renames a finished file into place, creating the key's folder when needed. */
  async function moveIntoPlace(from: string, to: string) {
    await mkdir(dirname(to), { recursive: true })
    await rename(from, to)
  }

  async function put(key: string, body: Readable): Promise<void> {
    const target = pathOf(key)
    const tempDir = tempDirOf(root)
    await mkdir(tempDir, { recursive: true })
    const temp = tempFileName(tempDir, '.put')
    try {
      await pipeline(body, createWriteStream(temp, { flags: 'wx' }))
      await moveIntoPlace(temp, target)
    }
    finally {
      await rm(temp, { force: true })
    }
  }

  async function putFile(key: string, localPath: string): Promise<void> {
    const target = pathOf(key)
    try {
      await moveIntoPlace(localPath, target)
    }
    catch (error) {
      if (errorCode(error) !== 'EXDEV') throw error
      // The temporary file is on another filesystem: copy next to the target, then rename (still atomic).
      const tempDir = tempDirOf(root)
      await mkdir(tempDir, { recursive: true })
      const temp = tempFileName(tempDir, '.put')
      try {
        await copyFile(localPath, temp)
        await moveIntoPlace(temp, target)
      }
      finally {
        await rm(temp, { force: true })
      }
      await rm(localPath, { force: true })
    }
  }

  async function get(key: string, range?: ByteRange): Promise<Readable | undefined> {
    const path = pathOf(key)
    if (range && !(Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end) && range.start >= 0 && range.end >= range.start)) {
      throw new RangeError(`invalid byte range ${range.start}-${range.end}`)
    }
    // Opened before returning, so a missing object is an answer here rather than a stream error later.
    const handle = await unlessMissing(() => open(path, 'r'))
    if (!handle) return undefined
    // 256 KiB reads: a typical photo goes out in a couple of reads and writes instead of many 64 KiB ones.
    return handle.createReadStream({ start: range?.start, end: range?.end, highWaterMark: 256 * 1024 })
  }

  async function statKey(key: string): Promise<BlobStat | undefined> {
    const stats = await unlessMissing(() => stat(pathOf(key)))
    return stats?.isFile() ? { size: stats.size, mtime: stats.mtime } : undefined
  }

  async function remove(key: string): Promise<void> {
    await unlessMissing(() => unlink(pathOf(key)))
  }

  async function* walk(dir: string, prefix: string): AsyncGenerator<BlobEntry> {
    const entries = await unlessMissing(() => readdir(dir, { withFileTypes: true })) ?? []
    for (const entry of entries) {
      // Dot names are the driver's own (`.tmp/`); names that are not valid key segments are not ours.
      if (!isKeySegment(entry.name)) continue
      const key = prefix + entry.name
      if (entry.isDirectory()) {
        yield* walk(join(dir, entry.name), key + '/')
      }
      else if (entry.isFile()) {
        const stats = await unlessMissing(() => stat(join(dir, entry.name)))
        if (stats) yield { key, size: stats.size, mtime: stats.mtime }
      }
    }
  }

  return { put, putFile, get, stat: statKey, delete: remove, list: () => walk(root, '') }
}
