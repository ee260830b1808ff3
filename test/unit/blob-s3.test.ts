import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createS3BlobStore, type S3Tuning, StorageUnavailableError } from '../../server/infra/blob/s3.ts'
import { freePort } from '../setup/server'
import { createBucket, dropBucket, listKeys, type LocalS3, S3_CREDENTIALS, S3_REGION, s3Client, startS3 } from '../setup/s3'
import { blobStoreContract } from './blob-contract'

// A real S3-compatible server (s3rver) on loopback; each test gets a bucket of its own.
let s3: LocalS3
beforeAll(async () => { s3 = await startS3() })
afterAll(async () => { await s3?.close() })

const storeFor = (bucket: string, tuning?: S3Tuning, endpoint = s3.endpoint) => createS3BlobStore({
  endpoint, region: S3_REGION, bucket, forcePathStyle: true, ...S3_CREDENTIALS,
}, tuning)

blobStoreContract('s3', async () => {
  const bucket = await createBucket(s3.endpoint)
  return { store: storeFor(bucket), cleanup: () => dropBucket(s3.endpoint, bucket) }
})

const read = async (body: Readable | undefined) => {
  const chunks: Buffer[] = []
  for await (const chunk of body!) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks)
}

describe('s3 driver specifics', () => {
  it('keeps object <user id>/<name> under that very key in the bucket', async () => {
    const bucket = await createBucket(s3.endpoint)
    await storeFor(bucket).put('12/abc.png', Readable.from([Buffer.from('png bytes')]))
    expect(await listKeys(s3.endpoint, bucket)).toEqual(['12/abc.png'])
    await dropBucket(s3.endpoint, bucket)
  })

  it('sends a large file in parts (multipart upload) and gets every byte back, also by range', { timeout: 60_000 }, async () => {
    const bucket = await createBucket(s3.endpoint)
    const store = storeFor(bucket, { multipartThreshold: 6 * 1024 * 1024, partSize: 5 * 1024 * 1024 })
    const scratch = await mkdtemp(join(tmpdir(), 'blob-s3-'))
    const bytes = randomBytes(13 * 1024 * 1024)
    await writeFile(join(scratch, 'big.tmp'), bytes)
    await store.putFile('3/big.jpg', join(scratch, 'big.tmp'))
    expect(await stat(join(scratch, 'big.tmp')).catch(() => undefined)).toBeUndefined()
    expect((await store.stat('3/big.jpg'))?.size).toBe(bytes.length)
    expect((await read(await store.get('3/big.jpg'))).equals(bytes)).toBe(true)
    const start = 5 * 1024 * 1024 - 10
    expect((await read(await store.get('3/big.jpg', { start, end: start + 99 }))).equals(bytes.subarray(start, start + 100))).toBe(true)
    // The same through put() with a stream of unknown length.
    await store.put('3/streamed.jpg', Readable.from([bytes.subarray(0, 7_000_000), bytes.subarray(7_000_000)]))
    expect((await read(await store.get('3/streamed.jpg'))).equals(bytes)).toBe(true)
    await rm(scratch, { recursive: true, force: true })
    await dropBucket(s3.endpoint, bucket)
  })

  it('leaves no object and no open multipart upload when a large stream fails part-way', { timeout: 60_000 }, async () => {
    const bucket = await createBucket(s3.endpoint)
    const store = storeFor(bucket, { partSize: 5 * 1024 * 1024 })
    const failing = Readable.from((async function* () {
      for (let i = 0; i < 12; i++) yield randomBytes(1024 * 1024)
      throw new Error('client went away')
    })())
    await expect(store.put('3/broken.jpg', failing)).rejects.toThrow('client went away')
    expect(await listKeys(s3.endpoint, bucket)).toEqual([])
    const uploads = await s3Client(s3.endpoint).send(new ListMultipartUploadsCommand({ Bucket: bucket })).catch(() => ({ Uploads: [] }))
    expect(uploads.Uploads ?? []).toEqual([])
    await dropBucket(s3.endpoint, bucket)
  })

  it('answers StorageUnavailableError (not a crash, not "missing") when nothing listens at the endpoint', { timeout: 30_000 }, async () => {
    const dead = storeFor('any-bucket', { requestTimeoutMs: 2000 }, `http://127.0.0.1:${await freePort()}`)
    const scratch = await mkdtemp(join(tmpdir(), 'blob-s3-'))
    await writeFile(join(scratch, 'x.tmp'), 'x')
    await expect(dead.stat('1/x.png')).rejects.toBeInstanceOf(StorageUnavailableError)
    await expect(dead.get('1/x.png')).rejects.toBeInstanceOf(StorageUnavailableError)
    await expect(dead.delete('1/x.png')).rejects.toBeInstanceOf(StorageUnavailableError)
    await expect(dead.put('1/x.png', Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(StorageUnavailableError)
    await expect(dead.putFile('1/x.png', join(scratch, 'x.tmp'))).rejects.toBeInstanceOf(StorageUnavailableError)
    await expect((async () => { for await (const _ of dead.list()) { /* nothing */ } })()).rejects.toBeInstanceOf(StorageUnavailableError)
    await rm(scratch, { recursive: true, force: true })
  })
})
