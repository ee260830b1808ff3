import type { Readable } from 'node:stream'
import { useConfig } from '../config.ts'
import { createFsBlobStore } from './fs.ts'
import { createS3BlobStore } from './s3.ts'

// Imports in this folder carry their `.ts` extension: `npm run doctor` loads it with plain Node
// (type stripping), which does not guess extensions; Nitro's bundler and TypeScript accept them.

export { assertBlobKey, InvalidBlobKeyError } from './keys.ts'
export { StorageUnavailableError } from './s3.ts'

export interface BlobStat { size: number, mtime: Date }
export interface BlobEntry extends BlobStat { key: string }
/** An inclusive byte range, as in HTTP's `Range: bytes=start-end`. */
export interface ByteRange { start: number, end: number }

/**
 * Where image bytes live. Nothing else in the server reads or writes them: uploads, serving,
 * deletion, the consistency sweep and `npm run doctor` all go through one of these. Keys are
 * `<user id>/<name>` (see keys.ts); every method refuses a malformed key with InvalidBlobKeyError.
 * Writes are all-or-nothing: a reader never sees a partly written object.
 * test/unit/blob-contract.ts is the contract every driver (fs.ts, s3.ts) passes.
 */
export interface BlobStore {
  /** Stores a stream under `key` (replacing what was there); nothing is stored if the stream fails. */
  put(key: string, body: Readable): Promise<void>
  /**
   * Moves a finished local temporary file in under `key` (fs: one atomic rename). Afterwards the
   * local file is gone, whatever the driver.
   */
  putFile(key: string, localPath: string): Promise<void>
  /** The object's bytes (only `range` when given), or undefined when there is no such object. */
  get(key: string, range?: ByteRange): Promise<Readable | undefined>
  /** Size and modification time, or undefined when there is no such object. */
  stat(key: string): Promise<BlobStat | undefined>
  /** Removes the object; removing a missing one is not an error. */
  delete(key: string): Promise<void>
  /** Every stored object with its size and modification time (for the consistency sweep). */
  list(): AsyncIterable<BlobEntry>
}

let store: BlobStore | undefined

/** The configured storage: the filesystem under UPLOAD_FOLDER, or the S3 bucket of STORAGE=s3. */
export function useBlobStore(): BlobStore {
  if (store) return store
  const config = useConfig()
  const { storage } = config
  store = storage.driver === 's3' ? createS3BlobStore(storage) : createFsBlobStore(config.uploadFolder)
  return store
}
