import { randomBytes } from 'node:crypto'
import { mkdir, readdir, rm, stat } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { useConfig } from './config.ts'

// Uploads are received into a local temporary file whatever the storage driver, and moved into
// storage once checked. They live in `<UPLOAD_FOLDER>/.tmp/`, on the same filesystem as the fs
// driver's objects, so that moving one in is an atomic rename. (`.ts` extensions: `npm run doctor`
// loads this file with plain Node.)

const TEMP_DIR_NAME = '.tmp'

// Temporary files are named after the process that writes them, so that an instance starting up
// (several may share one upload folder) only sweeps what a dead process left behind.
const HOST = hostname().replace(/[^\w.-]/g, '_')
const OWNER = `${HOST}~${process.pid}~`
const ABANDONED_AFTER_MS = 3600_000

/** The folder of temporary files under a root (not created). */
export const tempDirOf = (root: string) => join(root, TEMP_DIR_NAME)

/** The upload temporary folder, created when missing. */
export async function uploadTempDir(): Promise<string> {
  const dir = tempDirOf(useConfig().uploadFolder)
  await mkdir(dir, { recursive: true })
  return dir
}

/** A fresh temporary file name in `dir`, owned by this process (synchronous: callers attach streams at once). */
export const tempFileName = (dir: string, suffix = '') => join(dir, OWNER + randomBytes(12).toString('hex') + suffix)

/** Removes temporary files; missing ones are fine. */
export const removeTemp = (...paths: string[]) => Promise.all(paths.map(p => rm(p, { force: true })))

const processAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  }
  catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
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

/** Names of the temporary files under a root (for `npm run doctor`). */
export const listTemp = (root: string) => readdir(tempDirOf(root)).catch(() => [] as string[])

/** Deletes the temporary files that uploads cut off by a crash left behind under `root`. Returns how many. */
export async function sweepTemp(root = useConfig().uploadFolder): Promise<number> {
  const dir = tempDirOf(root)
  const leftovers = []
  for (const name of await listTemp(root)) if (await abandoned(dir, name)) leftovers.push(name)
  await removeTemp(...leftovers.map(name => join(dir, name)))
  return leftovers.length
}
