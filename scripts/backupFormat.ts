// The folder `npm run backup` writes and `npm run restore` reads (plain Node, type stripping):
//
//   manifest.json          format, version, when, the tables (rows, file, sha256) and every image file (key, size, sha256)
//   db/schema.json         per table: CREATE TABLE statement, columns, which are binary; in creation order
//   db/<table>.jsonl       one JSON array per row, values as MySQL prints them (binary columns base64)
//   files/<key>            the image objects, under their storage keys (`<user id>/<name>`)
//
// Every file the manifest names carries its SHA-256; restore checks them all before it changes anything.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { useBlobStore, type BlobStore } from '../server/infra/blob/index.ts'
import { ConfigError, useConfig, type GalleryConfig } from '../server/infra/config.ts'

export const FORMAT = 'gallery-backup'
export const VERSION = 1

/** Columns holding storage keys: the objects a backup copies are those the snapshot's rows name. */
export const BLOB_COLUMNS: Record<string, string[]> = { images: ['filepath', 'thumbpath'] }

export interface TableEntry { name: string, rows: number, file: string, sha256: string }
export interface FileEntry { key: string, size: number, sha256: string }
export interface Manifest {
  format: typeof FORMAT
  version: number
  created_at: string
  database: string
  storage: string
  tables: TableEntry[]
  files: FileEntry[]
  /** Objects a row named that had vanished by the time they were copied (deleted for good during the backup). */
  missing: string[]
}

export interface ColumnInfo { name: string, binary: boolean }
export interface TableSchema { name: string, create: string, columns: ColumnInfo[] }

export const BINARY_TYPES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob'])

export const filePath = (dir: string, key: string) => join(dir, 'files', ...key.split('/'))
export const quoteId = (name: string) => '`' + name.replaceAll('`', '``') + '`'

/** SHA-256 (hex) and length of a stream, passing nothing on. */
export async function digest(stream: Readable): Promise<{ sha256: string, size: number }> {
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of stream) {
    hash.update(chunk as Buffer)
    size += (chunk as Buffer).length
  }
  return { sha256: hash.digest('hex'), size }
}

export const digestFile = (path: string) => digest(createReadStream(path))

/** The configuration and the blob store, or exit 2 naming each configuration problem. */
export function setup(tool: string): { config: GalleryConfig, store: BlobStore } {
  try {
    const config = useConfig()
    return { config, store: useBlobStore() }
  }
  catch (error) {
    if (!(error instanceof ConfigError)) throw error
    for (const problem of error.problems) console.error(`${tool}: ${problem}`)
    process.exit(2)
  }
}

export function storageName(config: GalleryConfig): string {
  return config.storage.driver === 's3' ? `s3 bucket ${config.storage.bucket}` : `folder ${config.uploadFolder}`
}
