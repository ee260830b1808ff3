import { fetch } from '@nuxt/test-utils/e2e'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ImageDto } from '../../shared/contracts/images'
import { bearer } from '../setup/api'
import { startServer } from '../setup/server'
import { query } from '../support/db'
import { expectApiError } from '../support/errors'
import { ids, type Member, memberWith, sendJson, trash, uploadImages } from '../support/organize'
import { readZip } from '../support/zip'

// POST /api/images/download {image_ids} (SPEC §8): a zip of the originals, streamed; every entry
// byte for byte the stored original, names unique; 404 before any byte when an id is not the
// caller's live image.

await startServer()

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
