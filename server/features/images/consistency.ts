import { randomBytes } from 'node:crypto'
import type { BlobEntry, BlobStore } from '../../infra/blob/index.ts'

// Shared by the upload pipeline, the start-up consistency sweep and `npm run doctor` (which loads it
// with plain Node: only `.ts`-suffixed relative imports and Node built-ins).

/** New storage keys for a user's image and its thumbnail. */
export function newImageKeys(userId: number, ext: string): { file: string, thumb: string } {
  const name = randomBytes(16).toString('hex')
  return { file: `${userId}/${name}.${ext}`, thumb: `${userId}/${name}.thumb.webp` }
}

/** Whether a key has the shape `newImageKeys` makes: the sweep never deletes anything else. */
export const isImageKey = (key: string) => /^\d+\/[0-9a-f]{32}\.(?:png|jpe?g|gif|thumb\.webp)$/.test(key)

/** A row's keys; a row still waiting for its thumbnail (`variantsPending`) has no thumbnail object yet. */
export interface StoredRow { id: number, filepath: string, thumbpath: string, variantsPending?: boolean | number }
export interface ConsistencyReport { missingFiles: Array<{ id: number, key: string }>, orphanFiles: BlobEntry[] }

/** Every object in the store. */
export async function listObjects(store: BlobStore): Promise<BlobEntry[]> {
  const entries: BlobEntry[] = []
  for await (const entry of store.list()) entries.push(entry)
  return entries
}

/** Rows whose files are missing, and objects no row points at. */
export function compareRowsAndFiles(rows: StoredRow[], objects: BlobEntry[]): ConsistencyReport {
  const stored = new Set(objects.map(o => o.key))
  const known = new Set<string>()
  const missingFiles: Array<{ id: number, key: string }> = []
  for (const row of rows) {
    for (const key of [row.filepath, row.thumbpath]) {
      known.add(key)
      if (!stored.has(key) && !(key === row.thumbpath && row.variantsPending)) missingFiles.push({ id: row.id, key })
    }
  }
  return { missingFiles, orphanFiles: objects.filter(o => !known.has(o.key)) }
}

/**
 * Compares rows with stored objects. The objects are listed BEFORE the rows are read, so an upload
 * that completes (files, then row) between the two steps is matched rather than taken for an orphan.
 * An upload caught between storing its files and inserting its row does look like one: that is what
 * the grace period of `removeOrphans` is for.
 */
export async function checkConsistency(store: BlobStore, readRows: () => Promise<StoredRow[]>): Promise<ConsistencyReport & { rows: number }> {
  const objects = await listObjects(store)
  const rows = await readRows()
  return { ...compareRowsAndFiles(rows, objects), rows: rows.length }
}

/**
 * Deletes the orphan objects an upload or a deletion cut off by a crash left behind: only keys the
 * upload pipeline makes, and only once older than `graceMs` (an upload in flight on another instance
 * has its files in place a moment before its row). Returns the deleted keys.
 */
export async function removeOrphans(store: BlobStore, orphans: BlobEntry[], graceMs: number, now = Date.now()): Promise<string[]> {
  const expired = orphans.filter(o => isImageKey(o.key) && now - o.mtime.getTime() >= graceMs).map(o => o.key)
  await Promise.all(expired.map(key => store.delete(key)))
  return expired
}
