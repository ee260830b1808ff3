import { createReadStream } from 'node:fs'
import { readFile, rm, stat } from 'node:fs/promises'
import { Readable, Transform } from 'node:stream'
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import type { BlobEntry, BlobStat, BlobStore, ByteRange } from './index.ts'
import { assertBlobKey, isKeySegment } from './keys.ts'

export interface S3Settings {
  /** `https://s3.example.org`; undefined for AWS itself (the region picks the endpoint). */
  endpoint: string | undefined
  region: string
  bucket: string
  accessKeyId: string
  secretAccessKey: string
  /** `https://host/bucket/key` instead of `https://bucket.host/key` (MinIO, Garage, most self-hosted servers). */
  forcePathStyle: boolean
}

export interface S3Tuning {
  /** Files up to this size go up in one streamed PUT; larger ones in parts (multipart upload). */
  multipartThreshold?: number
  /** The size of one part of a multipart upload (S3's minimum is 5 MiB). */
  partSize?: number
  /** Parts of one upload in flight at once. */
  queueSize?: number
  /** Upper bound of one request without an answer, in milliseconds (a silent server is unavailable, not "slow"). */
  requestTimeoutMs?: number
}

/**
 * S3 could not be reached, or answered with a server error: the API answers 503 STORAGE_UNAVAILABLE.
 * The SDK's error is `sdkError` (and in the message), deliberately not `cause`: h3 wraps a thrown
 * error's `cause` rather than the error itself when it has one, and the error handler would then see
 * a bare ECONNREFUSED and answer "database unavailable".
 */
export class StorageUnavailableError extends Error {
  readonly code = 'STORAGE_UNAVAILABLE'
  readonly sdkError: unknown
  constructor(sdkError: unknown) {
    super(`object storage is unavailable: ${(sdkError as Error | undefined)?.message ?? String(sdkError)}`)
    this.sdkError = sdkError
  }
}

interface SdkError { name?: string, code?: string, $metadata?: { httpStatusCode?: number }, $fault?: string }

const statusOf = (error: unknown) => (error as SdkError | undefined)?.$metadata?.httpStatusCode
const isNotFound = (error: unknown) => {
  const e = error as SdkError | undefined
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || statusOf(error) === 404
}

/**
 * Turns an SDK failure into StorageUnavailableError when it means "storage is not there right now"
 * (no answer at all, a timeout, a 5xx); other errors (a refused request, a bug) pass unchanged.
 */
function classify(error: unknown): unknown {
  if (error instanceof StorageUnavailableError) return error
  const status = statusOf(error)
  const e = error as SdkError | undefined
  if (status === undefined || status >= 500 || e?.name === 'TimeoutError' || e?.$fault === 'server') {
    // No HTTP status: the request never got an answer (refused, reset, timed out, DNS).
    if (status !== undefined || e?.$metadata || e?.code || e?.name === 'TimeoutError' || e?.name === 'AbortError') {
      return new StorageUnavailableError(error)
    }
  }
  return error
}

/** Runs one request against S3, classifying its failure. */
async function call<T>(work: () => Promise<T>): Promise<T> {
  try { return await work() }
  catch (error) { throw classify(error) }
}

/** S3 keeps whole seconds in HEAD answers and milliseconds in listings: both report whole seconds. */
const wholeSeconds = (date: Date | undefined) => new Date(Math.floor((date?.getTime() ?? 0) / 1000) * 1000)

/**
 * The requested bytes and no others. HTTP lets a server ignore a Range header (200, whole object) and
 * some S3-compatible servers answer a different range than asked (s3rver reads `bytes=0-0` as "from
 * 0"): when the answer's Content-Range is not the one requested, the surplus is cut off here.
 */
function exactRange(body: Readable, range: ByteRange, contentRange: string | undefined): Readable {
  const answered = /^bytes (\d+)-(\d+)\//.exec(contentRange ?? '')
  const answeredStart = answered ? Number(answered[1]) : 0
  const answeredEnd = answered ? Number(answered[2]) : Infinity
  if (answeredStart === range.start && answeredEnd <= range.end) return body
  if (answeredStart > range.start) {
    body.destroy()
    throw new Error(`storage answered bytes from ${answeredStart}, asked from ${range.start}`)
  }
  let skip = range.start - answeredStart
  let left = range.end - range.start + 1
  const cut = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (skip >= chunk.length) {
        skip -= chunk.length
        return done()
      }
      const part = chunk.subarray(skip, skip + left)
      skip = 0
      left -= part.length
      if (part.length) this.push(part)
      if (left === 0) {
        this.push(null)
        body.destroy()
      }
      done()
    },
  })
  body.once('error', error => cut.destroy(error))
  cut.once('close', () => body.destroy())
  return body.pipe(cut)
}

/** A key this store could have written (the same rule as the fs driver's listing). */
const isKey = (key: string) => key.length <= 512 && key.split('/').every(isKeySegment)

/**
 * The S3 driver: object `<user id>/<name>` is the object of that key in the bucket. Writes are whole or
 * absent by S3's own rule (an object appears when its PUT or its multipart upload completes; a failed
 * multipart upload is aborted). Nothing is kept on local disk: putFile streams the request's temporary
 * file up and removes it. Works with AWS and any S3-compatible server (MinIO, Garage, Ceph, s3rver).
 */
export function createS3BlobStore(settings: S3Settings, tuning: S3Tuning = {}): BlobStore & { client: S3Client } {
  const multipartThreshold = tuning.multipartThreshold ?? 64 * 1024 * 1024
  const partSize = tuning.partSize ?? 8 * 1024 * 1024
  const queueSize = tuning.queueSize ?? 2
  const timeout = tuning.requestTimeoutMs ?? 30_000
  const config: S3ClientConfig = {
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    // Checksums only where S3 requires them: many S3-compatible servers refuse the newer trailing checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 2,
    requestHandler: { connectionTimeout: Math.min(timeout, 5000), requestTimeout: timeout, httpAgent: { keepAlive: true, maxSockets: 128 }, httpsAgent: { keepAlive: true, maxSockets: 128 } },
  }
  const client = new S3Client(config)
  const Bucket = settings.bucket

  /** Uploads a body of unknown length: one PUT when it fits in a part, parts otherwise; a failed multipart upload is aborted. */
  async function upload(key: string, body: Readable): Promise<void> {
    let bodyError: unknown
    body.once('error', (error) => { bodyError = error })
    const job = new Upload({ client, params: { Bucket, Key: key, Body: body }, partSize, queueSize, leavePartsOnError: false })
    try {
      await job.done()
    }
    catch (error) {
      // The body's own failure (a client that went away) is the caller's error, not the storage's.
      throw bodyError ?? classify(error)
    }
  }

  /**
   * Writes to one key from this process one after the other. S3 itself makes the last complete PUT win
   * whole; some S3-compatible servers (s3rver) interleave racing writes to one key. Image keys are
   * fresh random names, so only a rewrite in place (the GPS backfill) ever writes a key twice.
   */
  const writing = new Map<string, Promise<unknown>>()
  function oneAtATime(key: string, work: () => Promise<void>): Promise<void> {
    const previous = writing.get(key) ?? Promise.resolve()
    const mine = previous.catch(() => {}).then(work)
    writing.set(key, mine)
    void mine.catch(() => {}).finally(() => { if (writing.get(key) === mine) writing.delete(key) })
    return mine
  }

  async function put(key: string, body: Readable): Promise<void> {
    assertBlobKey(key)
    await oneAtATime(key, () => upload(key, body))
  }

  async function putFile(key: string, localPath: string): Promise<void> {
    assertBlobKey(key)
    await oneAtATime(key, () => putLocalFile(key, localPath))
  }

  async function putLocalFile(key: string, localPath: string): Promise<void> {
    const { size } = await stat(localPath)
    if (size <= multipartThreshold) {
      // Small files in memory (some S3-compatible servers want a plain body for small PUTs), the
      // rest streamed from disk in one PUT with its length known: no buffering of large files.
      const Body = size <= 1024 * 1024 ? await readFile(localPath) : createReadStream(localPath)
      await call(() => client.send(new PutObjectCommand({ Bucket, Key: key, Body, ContentLength: size })))
    }
    else {
      await upload(key, createReadStream(localPath))
    }
    await rm(localPath, { force: true })
  }

  async function get(key: string, range?: ByteRange): Promise<Readable | undefined> {
    assertBlobKey(key)
    if (range && !(Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end) && range.start >= 0 && range.end >= range.start)) {
      throw new RangeError(`invalid byte range ${range.start}-${range.end}`)
    }
    try {
      const answer = await client.send(new GetObjectCommand({ Bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }))
      const body = answer.Body as Readable
      return range ? exactRange(body, range, answer.ContentRange) : body
    }
    catch (error) {
      if (isNotFound(error)) return undefined
      // A range that starts past the end: nothing to send (as a file read past its end).
      if (statusOf(error) === 416 || (error as SdkError).name === 'InvalidRange') return Readable.from([])
      throw classify(error)
    }
  }

  async function statKey(key: string): Promise<BlobStat | undefined> {
    assertBlobKey(key)
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket, Key: key }))
      return { size: head.ContentLength ?? 0, mtime: wholeSeconds(head.LastModified) }
    }
    catch (error) {
      if (isNotFound(error)) return undefined
      throw classify(error)
    }
  }

  async function remove(key: string): Promise<void> {
    assertBlobKey(key)
    // S3's DELETE of a missing key already succeeds.
    await call(() => client.send(new DeleteObjectCommand({ Bucket, Key: key })))
  }

  async function* list(): AsyncGenerator<BlobEntry> {
    let ContinuationToken: string | undefined
    do {
      const page = await call(() => client.send(new ListObjectsV2Command({ Bucket, ContinuationToken })))
      for (const object of page.Contents ?? []) {
        if (!object.Key || !isKey(object.Key)) continue
        yield { key: object.Key, size: object.Size ?? 0, mtime: wholeSeconds(object.LastModified) }
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined
    } while (ContinuationToken)
  }

  return { put, putFile, get, stat: statKey, delete: remove, list, client }
}
