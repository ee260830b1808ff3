import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'
import S3rver from 's3rver'

/** s3rver's built-in account: it checks every request's signature against these. */
export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }
export const S3_REGION = 'us-east-1'

export interface LocalS3 { endpoint: string, port: number, close: () => Promise<void> }

/**
 * A real S3-compatible server (s3rver) on loopback, keeping its objects in a scratch folder. `keep`
 * leaves the folder on close, so a server started again on the same port and folder (an S3 that
 * was down and came back) still has every object.
 */
export async function startS3({ port = 0, directory, keep = false }: { port?: number, directory?: string, keep?: boolean } = {}): Promise<LocalS3 & { directory: string }> {
  const folder = directory ?? await mkdtemp(join(tmpdir(), 's3rver-'))
  const server = new S3rver({ address: '127.0.0.1', port, silent: true, directory: folder })
  const address = await server.run() as { port: number }
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    port: address.port,
    directory: folder,
    close: async () => {
      await server.close()
      if (!keep) await rm(folder, { recursive: true, force: true })
    },
  }
}

/** A client for the test's own checks (listing, cleaning up), configured as the server's driver is. */
export const s3Client = (endpoint: string) => new S3Client({
  endpoint, region: S3_REGION, forcePathStyle: true, credentials: S3_CREDENTIALS,
  requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
})

/** A new empty bucket with a unique name. */
export async function createBucket(endpoint: string, prefix = 'gallery'): Promise<string> {
  const bucket = `${prefix}-${randomBytes(6).toString('hex')}`
  const client = s3Client(endpoint)
  await client.send(new CreateBucketCommand({ Bucket: bucket }))
  client.destroy()
  return bucket
}

/** Every key in a bucket, sorted. */
export async function listKeys(endpoint: string, bucket: string): Promise<string[]> {
  const client = s3Client(endpoint)
  const keys: string[] = []
  let ContinuationToken: string | undefined
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken }))
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key)
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined
  } while (ContinuationToken)
  client.destroy()
  return keys.sort()
}

/** Empties and removes a bucket. */
export async function dropBucket(endpoint: string, bucket: string): Promise<void> {
  const keys = await listKeys(endpoint, bucket)
  const client = s3Client(endpoint)
  // One by one: DeleteObjects needs a Content-MD5 that s3rver and the SDK's newer checksums disagree on.
  await Promise.all(keys.map(Key => client.send(new DeleteObjectCommand({ Bucket: bucket, Key }))))
  await client.send(new DeleteBucketCommand({ Bucket: bucket }))
  client.destroy()
}

/** The bucket that stands for an upload folder in the api-s3 run (same folder: same storage, as on fs). */
export const bucketFor = (uploadFolder: string) => `gallery-${createHash('sha256').update(uploadFolder).digest('hex').slice(0, 20)}`

/** Upload folders of servers on S3 in this test file, and their bucket (what test/support/files.ts lists). */
export const s3Folders = new Map<string, { endpoint: string, bucket: string }>()

/** Creates the folder's bucket unless it exists; returns the server settings that store there. */
export async function s3StorageFor(endpoint: string, uploadFolder: string): Promise<Record<string, string>> {
  const bucket = bucketFor(uploadFolder)
  if (!s3Folders.has(uploadFolder)) {
    const client = s3Client(endpoint)
    await client.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: { name?: string }) => {
      if (error?.name !== 'BucketAlreadyOwnedByYou' && error?.name !== 'BucketAlreadyExists') throw error
    })
    client.destroy()
    s3Folders.set(uploadFolder, { endpoint, bucket })
  }
  return {
    STORAGE: 's3',
    S3_ENDPOINT: endpoint,
    S3_REGION,
    S3_BUCKET: bucket,
    S3_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
    S3_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
    S3_FORCE_PATH_STYLE: 'true',
  }
}
