import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'
import S3rver from 's3rver'

/** s3rver's built-in account: it checks every request's signature against these. */
export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }
export const S3_REGION = 'us-east-1'

export interface LocalS3 { endpoint: string, port: number, close: () => Promise<void> }

/** A real S3-compatible server (s3rver) on loopback, keeping its objects in a scratch folder. */
export async function startS3(port = 0): Promise<LocalS3> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'))
  const server = new S3rver({ address: '127.0.0.1', port, silent: true, directory })
  const address = await server.run() as { port: number }
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    port: address.port,
    close: async () => {
      await server.close()
      await rm(directory, { recursive: true, force: true })
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
