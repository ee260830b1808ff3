import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, describe, expect, it } from 'vitest'
import { query, thumbnailsMade } from '../support/db'
import { tmpFiles, until } from '../support/files'
import { fileEpilogue, filePrologue, multipart } from '../support/multipart'
import { listKeys, s3StorageFor, startS3 } from '../setup/s3'
import { rawUpload, scratchFolder, signUpOn, startOwnServer } from './upload-server'

// STORAGE=s3 when S3 fails (SPEC §12): a server on an S3 server of this file's own (s3rver on
// loopback), which the test stops and starts again. Runs in the `api` project only: it brings its
// own S3 whatever the project's storage is.

const folder = await scratchFolder()
let s3 = await startS3({ keep: true })
const s3Env = await s3StorageFor(s3.endpoint, folder)
const server = await startOwnServer(s3Env, folder)
const user = await signUpOn(server)
afterAll(async () => {
  await server.kill()
  await s3.close()
})

let colour = 0
/** A small PNG no earlier upload had (the same bytes twice would be a 409 duplicate). */
const newPng = () => sharp({ create: { width: 64, height: 48, channels: 3, background: { r: (colour += 7) % 256, g: colour >> 8, b: 99 } } }).png().toBuffer()

function upload(bytes: Buffer, filename = 'photo.png') {
  const { body, contentType } = multipart([{ name: 'file', filename, type: 'image/png', data: bytes }])
  return server.fetch('/api/images/upload', { method: 'POST', headers: { ...user.auth, 'content-type': contentType }, body: new Uint8Array(body) })
}

const rows = () => query<{ id: number, filepath: string, thumbpath: string }>('SELECT id, filepath, thumbpath FROM images WHERE user_id = ? ORDER BY id', [user.userId])
const rowKeys = async () => (await rows()).flatMap(row => [row.filepath, row.thumbpath]).sort()
const bucketKeys = () => listKeys(s3.endpoint, s3Env.S3_BUCKET!)
/** Every file in the upload folder (with STORAGE=s3 it only ever holds requests' temporary files). */
const localFiles = async () => (await readdir(folder, { recursive: true, withFileTypes: true })).filter(e => e.isFile()).map(e => join(e.parentPath, e.name))

async function expectStorageUnavailable(res: Response) {
  expect(res.status).toBe(503)
  expect(await res.json()).toEqual({ code: 'STORAGE_UNAVAILABLE', message: expect.any(String) })
}

describe('STORAGE=s3', () => {
  it('keeps the original and the thumbnail in the bucket and no image bytes on local disk', async () => {
    const bytes = await newPng()
    const res = await upload(bytes)
    expect(res.status).toBe(201)
    const { image } = await res.json() as { image: { id: number } }
    await thumbnailsMade([image.id])
    expect(await bucketKeys()).toEqual(await rowKeys())
    expect(await localFiles()).toEqual([])
    const served = await server.fetch(`/api/images/${image.id}/file`, { headers: user.auth })
    expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true)
  })

  it('answers 503 STORAGE_UNAVAILABLE while S3 is unreachable, stores nothing, and works again when S3 is back', { timeout: 60_000 }, async () => {
    const before = await newPng()
    const stored = await upload(before)
    expect(stored.status).toBe(201)
    const { image } = await stored.json() as { image: { id: number } }
    await thumbnailsMade([image.id])
    const rowsBefore = await rows()

    await s3.close()
    // Ten uploads at once while S3 is down: each a clear 503, none a 500, a hang or a crash.
    const answers = await Promise.all(Array.from({ length: 10 }, async (_, i) => upload(await newPng(), `down-${i}.png`)))
    for (const res of answers) await expectStorageUnavailable(res)
    await expectStorageUnavailable(await server.fetch(`/api/images/${image.id}/file`, { headers: user.auth }))
    await expectStorageUnavailable(await server.fetch(`/api/images/${image.id}/file?variant=thumb`, { headers: user.auth }))
    // What needs only the database still answers.
    const list = await server.fetch('/api/images', { headers: user.auth })
    expect(list.status).toBe(200)
    expect((await list.json() as unknown[]).length).toBe(rowsBefore.length)
    expect(await rows()).toEqual(rowsBefore)
    expect(await until(async () => (await tmpFiles(folder)).length === 0)).toBe(true)

    s3 = await startS3({ port: s3.port, directory: s3.directory, keep: true })
    const again = await upload(await newPng(), 'after.png')
    expect(again.status).toBe(201)
    await thumbnailsMade([(await again.json() as { image: { id: number } }).image.id])
    const served = await server.fetch(`/api/images/${image.id}/file`, { headers: user.auth })
    expect(served.status).toBe(200)
    expect(Buffer.from(await served.arrayBuffer()).equals(before)).toBe(true)
    // Nothing half-stored: the bucket holds exactly the files of the rows.
    expect(await bucketKeys()).toEqual(await rowKeys())
    expect(await localFiles()).toEqual([])
    expect(await server.faults()).toEqual([])
  })

  it('leaves no object, no row and no temporary file when an upload is cut off half-way', async () => {
    const rowsBefore = await rows()
    const keysBefore = await bucketKeys()
    const png = await sharp({ create: { width: 900, height: 900, channels: 3, background: '#123456' } }).png({ compressionLevel: 0 }).toBuffer()
    const body = Buffer.concat([filePrologue('cut.png'), png, fileEpilogue()])
    const client = rawUpload(server, user.auth, body.length, multipart([]).contentType)
    client.socket.write(body.subarray(0, body.length >> 1))
    expect(await until(async () => (await tmpFiles(folder)).length > 0, 5000, 10)).toBe(true)
    client.socket.destroy()
    expect(await until(async () => (await tmpFiles(folder)).length === 0, 5000)).toBe(true)
    expect(await rows()).toEqual(rowsBefore)
    expect(await bucketKeys()).toEqual(keysBefore)
    expect(await server.faults()).toEqual([])
  })
})
