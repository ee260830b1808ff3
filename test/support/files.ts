import { readdir, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'

// Files on disk, and polling for a state to appear.

/** Every file under a folder (recursively, hidden ones and `.tmp/` included), relative to it, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])
  return entries.filter(e => !e.isDirectory()).map(e => relative(dir, join(e.parentPath, e.name))).sort()
}

export const tmpFiles = (uploadFolder: string) => listFiles(join(uploadFolder, '.tmp'))

export const exists = (path: string) => stat(path).then(() => true, () => false)

/** Polls until the check holds or the time is up; returns whether it held. */
export async function until(check: () => Promise<boolean>, ms = 5000, every = 50): Promise<boolean> {
  const end = Date.now() + ms
  for (;;) {
    if (await check()) return true
    if (Date.now() > end) return false
    await new Promise(r => setTimeout(r, every))
  }
}
