import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { listKeys, s3Client as newS3Client, s3Folders } from '../setup/s3'

// Files on disk and objects in storage, and polling for a state to appear.
//
// Driver-neutral: the test API project runs twice, once on fs and once on S3 (api-s3). An upload
// folder a test server was started with stands for that server's storage: on fs its files are the
// objects; on S3 its objects are in a bucket of its own (test/setup/s3.ts) and the folder keeps only
// requests' temporary files. The helpers below take the folder and a storage key either way.

const clients = new Map<string, ReturnType<typeof newS3Client>>()
const s3Client = (endpoint: string) => clients.get(endpoint) ?? clients.set(endpoint, newS3Client(endpoint)).get(endpoint)!

/** Every file under a folder (recursively, hidden ones and `.tmp/` included), relative to it. */
async function filesOnDisk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])
  return entries.filter(e => !e.isDirectory()).map(e => relative(dir, join(e.parentPath, e.name)))
}

/**
 * Every file under a folder (recursively, hidden ones and `.tmp/` included), relative to it, sorted.
 * For the upload folder of a server on S3: its bucket's keys and the folder's files, together — what
 * that server stores, as on fs.
 */
export async function listFiles(dir: string): Promise<string[]> {
  const s3 = s3Folders.get(dir)
  const keys = s3 ? await listKeys(s3.endpoint, s3.bucket) : []
  return [...keys, ...await filesOnDisk(dir)].sort()
}

export const tmpFiles = (uploadFolder: string) => filesOnDisk(join(uploadFolder, '.tmp')).then(files => files.sort())

export const exists = (path: string) => stat(path).then(() => true, () => false)

/** Whether the storage of the server with this upload folder holds `key`. */
export async function storedExists(uploadFolder: string, key: string): Promise<boolean> {
  const s3 = s3Folders.get(uploadFolder)
  if (!s3) return exists(join(uploadFolder, key))
  return s3Client(s3.endpoint).send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key })).then(() => true, () => false)
}

/** The bytes stored under `key` (throws when there is no such object). */
export async function readStored(uploadFolder: string, key: string): Promise<Buffer> {
  const s3 = s3Folders.get(uploadFolder)
  if (!s3) return readFile(join(uploadFolder, key))
  const answer = await s3Client(s3.endpoint).send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))
  return Buffer.from(await answer.Body!.transformToByteArray())
}

/** Stores bytes under `key` behind the server's back (a stray or planted object). */
export async function writeStored(uploadFolder: string, key: string, bytes: Buffer | string): Promise<void> {
  const s3 = s3Folders.get(uploadFolder)
  if (!s3) {
    const path = join(uploadFolder, key)
    await mkdir(join(path, '..'), { recursive: true })
    return writeFile(path, bytes)
  }
  await s3Client(s3.endpoint).send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: Buffer.from(bytes) }))
}

/** Removes the object under `key` behind the server's back (storage that lost a file). */
export async function removeStored(uploadFolder: string, key: string): Promise<void> {
  const s3 = s3Folders.get(uploadFolder)
  if (!s3) return rm(join(uploadFolder, key))
  await s3Client(s3.endpoint).send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: key }))
}

/** Polls until the check holds or the time is up; returns whether it held. */
export async function until(check: () => Promise<boolean>, ms = 5000, every = 50): Promise<boolean> {
  const end = Date.now() + ms
  for (;;) {
    if (await check()) return true
    if (Date.now() > end) return false
    await new Promise(r => setTimeout(r, every))
  }
}
