import { randomBytes } from 'node:crypto'
import { mkdir, readdir, rename, rm, stat, unlink } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join, resolve, sep } from 'node:path'
import { useConfig } from '../config'

/**
 * The only module that knows where image bytes live:
 * `<UPLOAD_FOLDER>/<user id>/<random>.<ext>` for originals, `<random>.thumb.webp` beside them,
 * `<UPLOAD_FOLDER>/.tmp/` for uploads in flight. Keys stored in the database are relative.
 */
const TMP_DIR = '.tmp'

const root = () => useConfig().uploadFolder

/** Absolute path of a stored key; refuses anything that would leave the upload folder. */
export function storagePath(key: string): string {
  const base = root()
  const full = resolve(base, key)
  if (!full.startsWith(base + sep)) throw new Error('storage key escapes the upload folder')
  return full
}

// Temporary files are named after the process that writes them, so that an instance starting up
// (several may share one upload folder) only sweeps what a dead process left behind.
const HOST = hostname().replace(/[^\w.-]/g, '_')
const OWNER = `${HOST}~${process.pid}~`
const ABANDONED_AFTER_MS = 3600_000

/** A fresh temporary file path for an upload in flight. */
export async function tempPath(suffix = ''): Promise<string> {
  const dir = join(root(), TMP_DIR)
  await mkdir(dir, { recursive: true })
  return join(dir, OWNER + randomBytes(12).toString('hex') + suffix)
}

const processAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  }
  catch (error: any) {
    return error?.code === 'EPERM'
  }
}

/** Whether a temporary file was left behind: by a process of this host that is gone, or over an hour ago. */
async function abandoned(dir: string, name: string): Promise<boolean> {
  const [host, pid] = name.split('~')
  if (host === HOST && pid && /^\d+$/.test(pid)) {
    if (Number(pid) === process.pid || !processAlive(Number(pid))) return true
  }
  const stats = await stat(join(dir, name)).catch(() => undefined)
  return !!stats && Date.now() - stats.mtimeMs > ABANDONED_AFTER_MS
}

/** New storage keys for a user's image and its thumbnail. */
export function newKeys(userId: number, ext: string): { file: string, thumb: string } {
  const name = randomBytes(16).toString('hex')
  return { file: `${userId}/${name}.${ext}`, thumb: `${userId}/${name}.thumb.webp` }
}

/** Moves finished temporary files into place under their keys (same filesystem: atomic renames). */
export async function commitFiles(moves: Array<[from: string, key: string]>): Promise<void> {
  for (const [from, key] of moves) {
    const to = storagePath(key)
    await mkdir(resolve(to, '..'), { recursive: true })
    await rename(from, to)
  }
}

/** Removes stored files; missing ones are fine (delete is idempotent). */
export async function removeFiles(...keys: string[]): Promise<void> {
  await Promise.all(keys.map(key => unlink(storagePath(key)).catch((error) => {
    if (error?.code !== 'ENOENT') throw error
  })))
}

export const removeTemp = (...paths: string[]) => Promise.all(paths.map(p => rm(p, { force: true })))

/** Deletes the temporary files that uploads cut off by a crash left behind. Returns how many. */
export async function sweepTemp(): Promise<number> {
  const dir = join(root(), TMP_DIR)
  const names = await readdir(dir).catch(() => [] as string[])
  const leftovers = []
  for (const name of names) if (await abandoned(dir, name)) leftovers.push(name)
  await Promise.all(leftovers.map(name => rm(join(dir, name), { force: true })))
  return leftovers.length
}
