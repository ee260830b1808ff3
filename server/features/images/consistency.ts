import { readdir } from 'node:fs/promises'
import { join } from 'node:path'

// Pure helpers shared by the server's start-up check and `npm run doctor` (which runs them with
// plain Node, so this file imports nothing but Node built-ins).

/** Every stored key under an upload folder (`<user id>/<name>`), originals and thumbnails alike. */
export async function listKeysOnDisk(root: string): Promise<string[]> {
  const keys: string[] = []
  for (const dir of await readdir(root, { withFileTypes: true }).catch(() => [])) {
    if (!dir.isDirectory() || !/^\d+$/.test(dir.name)) continue
    for (const name of await readdir(join(root, dir.name))) keys.push(`${dir.name}/${name}`)
  }
  return keys
}

export interface StoredRow { id: number, filepath: string, thumbpath: string }
export interface ConsistencyReport { missingFiles: Array<{ id: number, key: string }>, orphanFiles: string[] }

/** Rows whose files are missing, and files no row points at. */
export function compareRowsAndFiles(rows: StoredRow[], keysOnDisk: string[]): ConsistencyReport {
  const onDisk = new Set(keysOnDisk)
  const known = new Set<string>()
  const missingFiles: Array<{ id: number, key: string }> = []
  for (const row of rows) {
    for (const key of [row.filepath, row.thumbpath]) {
      known.add(key)
      if (!onDisk.has(key)) missingFiles.push({ id: row.id, key })
    }
  }
  return { missingFiles, orphanFiles: keysOnDisk.filter(key => !known.has(key)) }
}
