import { readdir, readlink } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import { inflateRawSync } from 'node:zlib'
import { fetch } from '@nuxt/test-utils/e2e'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ImageDto } from '../../shared/contracts/images'
import { bearer } from '../setup/api'
import { startServer } from '../setup/server'
import { query } from '../support/db'
import { expectApiError } from '../support/errors'
import { until } from '../support/files'
import { noiseImage } from '../support/images'
import { multipart } from '../support/multipart'
import { ids, type Member, memberWith, sendJson, trash, uploadImages } from '../support/organize'
import { type OwnServer, signUpOn, startOwnServer } from './upload-server'

// POST /api/images/download {image_ids} (SPEC §8): a zip of the originals, streamed; every entry
// byte for byte the stored original, names unique; 404 before any byte when an id is not the
// caller's live image.

await startServer()

interface ZipEntry { name: string, method: number, utf8: boolean, data: Buffer }

/**
 * The entries of a zip, read from its central directory (APPENDIX of PKWARE's APPNOTE 4.3.16, 4.3.12):
 * stored (0) or deflated (8) entries; sizes from the central directory, since a streamed zip puts
 * them in data descriptors after each entry.
 */
function readZip(zip: Buffer): ZipEntry[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4B, 0x05, 0x06]))
  expect(eocd, 'end of central directory').toBeGreaterThanOrEqual(0)
  const count = zip.readUInt16LE(eocd + 10)
  let at = zip.readUInt32LE(eocd + 16)
  const entries: ZipEntry[] = []
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at), 'central directory header').toBe(0x02014B50)
    const flags = zip.readUInt16LE(at + 8)
    const method = zip.readUInt16LE(at + 10)
    const compressedSize = zip.readUInt32LE(at + 20)
    const nameLength = zip.readUInt16LE(at + 28)
    const extraLength = zip.readUInt16LE(at + 30)
    const commentLength = zip.readUInt16LE(at + 32)
    const localOffset = zip.readUInt32LE(at + 42)
    const utf8 = (flags & 0x800) !== 0
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString(utf8 ? 'utf8' : 'latin1')
    expect(zip.readUInt32LE(localOffset), 'local header').toBe(0x04034B50)
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28)
    const raw = zip.subarray(dataStart, dataStart + compressedSize)
    entries.push({ name, method, utf8, data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw) })
    at += 46 + nameLength + extraLength + commentLength
  }
  return entries
}

const download = (member: Member, body: unknown) => sendJson('POST', '/api/images/download', member.token, body)

/** The stored original of an image, as the file route serves it. */
async function original(member: Member, image: ImageDto): Promise<Buffer> {
  const res = await fetch(image.url, { headers: bearer(member.token) })
  expect(res.status).toBe(200)
  return Buffer.from(await res.arrayBuffer())
}

let member: Member
let other: Member

beforeAll(async () => {
  member = await memberWith(['a.png', 'a.png', 'A.png', 'a (2).png', '照片.png', 'b.png', 'binned.png'])
  other = await memberWith(['theirs.png'])
  await trash(member.token, [member.images[6]!.id])
})

describe('the zip', () => {
  it('holds each original byte for byte, in the order asked for, stored (not deflated), with unique names', async () => {
    const chosen = member.images.slice(0, 6)
    const order = [chosen[4]!, chosen[0]!, chosen[1]!, chosen[2]!, chosen[3]!, chosen[5]!]
    const res = await download(member, { image_ids: ids(order) })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/zip')
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="[^"]+\.zip"$/)
    expect(res.headers.get('cache-control')).toBe('private, no-store')
    const entries = readZip(Buffer.from(await res.arrayBuffer()))
    // "a (2).png" is taken by the second "a.png" before the image really named so comes: it moves on.
    expect(entries.map(e => e.name)).toEqual(['照片.png', 'a.png', 'a (2).png', 'A (3).png', 'a (2) (2).png', 'b.png'])
    expect(entries.find(e => e.name === '照片.png')!.utf8).toBe(true)
    for (const [i, entry] of entries.entries()) {
      expect(entry.method, entry.name).toBe(0)
      expect(entry.data.equals(await original(member, order[i]!)), entry.name).toBe(true)
    }
  })

  it('counts a repeated id once', async () => {
    const image = member.images[5]!
    const entries = readZip(Buffer.from(await (await download(member, { image_ids: [image.id, image.id] })).arrayBuffer()))
    expect(entries.map(e => e.name)).toEqual(['b.png'])
  })
})

describe('refusals, before any byte of zip', () => {
  it.each<[string, () => number]>([
    ['another user\'s image', () => other.images[0]!.id],
    ['the caller\'s trashed image', () => member.images[6]!.id],
    ['a missing id', () => 2147483647],
  ])('404 IMAGE_NOT_FOUND when one id is %s', async (_, odd) => {
    await expectApiError(await download(member, { image_ids: [member.images[0]!.id, odd()] }), 404, 'IMAGE_NOT_FOUND')
  })

  it('404 when a row has lost its original (the same answer as serving it)', async () => {
    const [lost] = await uploadImages(member.token, ['lost.png'])
    const [row] = await query<{ filepath: string }>('SELECT filepath FROM images WHERE id = ?', [lost!.id])
    await query('UPDATE images SET filepath = ? WHERE id = ?', [`${row!.filepath.split('/')[0]}/${'0'.repeat(32)}.png`, lost!.id])
    await expectApiError(await download(member, { image_ids: [member.images[0]!.id, lost!.id] }), 404, 'IMAGE_NOT_FOUND')
    await query('UPDATE images SET filepath = ? WHERE id = ?', [row!.filepath, lost!.id])
  })

  it.each<[string, unknown]>([
    ['an empty list', { image_ids: [] }],
    ['501 ids', { image_ids: Array.from({ length: 501 }, (_, i) => i + 1) }],
    ['a non-integer', { image_ids: [1.5] }],
    ['a string id', { image_ids: ['1'] }],
    ['an extra key', { image_ids: [1], store: false }],
    ['no ids', {}],
  ])('400 VALIDATION_ERROR for %s', async (_, body) => {
    await expectApiError(await download(member, body), 400, 'VALIDATION_ERROR')
  })
})

describe('streaming', () => {
  // A server of this file's own: its open files are counted in /proc.
  let server: OwnServer
  let auth: Record<string, string>
  let imageIds: number[]
  let storedPaths: string[]

  beforeAll(async () => {
    server = await startOwnServer()
    const user = await signUpOn(server)
    auth = user.auth
    imageIds = []
    for (let i = 0; i < 4; i++) {
      const { body, contentType } = multipart([{ name: 'file', filename: `big${i}.png`, type: 'image/png', data: await noiseImage('png', 900 + i, 900) }])
      const res = await server.fetch('/api/images/upload', { method: 'POST', headers: { ...auth, 'content-type': contentType }, body: new Uint8Array(body) })
      expect(res.status).toBe(201)
      imageIds.push((await res.json()).image.id)
    }
    const rows = await query<{ filepath: string }>('SELECT filepath FROM images WHERE id IN (?)', [imageIds])
    storedPaths = rows.map(r => join(server.uploadFolder, r.filepath))
  })
  afterAll(async () => { await server?.kill() })

  /** Descriptors the server holds on the stored originals. */
  async function openOriginals(): Promise<number> {
    const dir = `/proc/${server.pid}/fd`
    const targets = await Promise.all((await readdir(dir)).map(fd => readlink(join(dir, fd)).catch(() => '')))
    return targets.filter(target => storedPaths.includes(target)).length
  }

  it('opens one original at a time, and closes it when the client goes away mid-zip', async () => {
    const socket = connect(server.port, '127.0.0.1')
    socket.on('error', () => {})
    let received = 0
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length
      // Stop reading: the archive waits on back-pressure with the current original open.
      socket.pause()
    })
    const body = JSON.stringify({ image_ids: imageIds })
    socket.write(`POST /api/images/download HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAuthorization: ${auth.authorization}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
    expect(await until(async () => received > 0 && await openOriginals() === 1, 5000)).toBe(true)
    socket.destroy()
    expect(await until(async () => await openOriginals() === 0, 5000)).toBe(true)
    expect(await server.faults()).toEqual([])
    // The server goes on serving.
    const res = await server.fetch('/api/images/download', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body })
    expect(readZip(Buffer.from(await res.arrayBuffer())).map(e => e.name)).toEqual(['big0.png', 'big1.png', 'big2.png', 'big3.png'])
    expect(await until(async () => await openOriginals() === 0, 5000)).toBe(true)
  })
})
