import { fetch } from '@nuxt/test-utils/e2e'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ImageDto } from '../../shared/contracts/images'
import { bearer } from '../setup/api'
import { startServer } from '../setup/server'
import { expectApiError } from '../support/errors'
import { getList, imageStates, type Member, memberWith, sendJson, trash } from '../support/organize'

// PATCH /api/images/:id {filename?, favorite?} (SPEC §8) → the image DTO; the name is cleaned like an
// upload's and must then be 1–255 characters.

await startServer()

const patch = (member: Member, id: number | string, body: unknown) => sendJson('PATCH', `/api/images/${id}`, member.token, body)

let member: Member
let other: Member
let image: ImageDto

beforeAll(async () => {
  member = await memberWith(['start.png', 'binned.png'])
  other = await memberWith(['theirs.png'])
  image = member.images[0]!
  await trash(member.token, [member.images[1]!.id])
})

describe('renaming and favouriting', () => {
  it('renames: the DTO, the list and the served file name all follow', async () => {
    const res = await patch(member, image.id, { filename: '假期 照片.png' })
    expect(res.status).toBe(200)
    const dto = await res.json() as ImageDto
    expect(dto).toEqual({ ...image, filename: '假期 照片.png' })
    expect((await getList('/api/images', member.token)).items[0]!.filename).toBe('假期 照片.png')
    const served = await fetch(image.url, { headers: bearer(member.token) })
    expect(decodeURIComponent((served.headers.get('content-disposition') ?? '').split('filename*=UTF-8\'\'')[1] ?? '')).toBe('假期 照片.png')
    await served.arrayBuffer()
  })

  it('favourites and unfavourites, alone or together with a rename', async () => {
    expect(await (await patch(member, image.id, { favorite: true })).json()).toMatchObject({ id: image.id, favorite: true, filename: '假期 照片.png' })
    expect(await (await patch(member, image.id, { favorite: false, filename: 'both.png' })).json()).toMatchObject({ favorite: false, filename: 'both.png' })
    expect((await imageStates(member.id))[0]).toMatchObject({ filename: 'both.png', favorite: 0 })
  })

  it.each([
    ['path parts', '../../etc/passwd.png', 'passwd.png'],
    ['Windows path parts', 'C:\\Users\\me\\pic.png', 'pic.png'],
    ['control and direction characters', 'a\u0000b\u202Ec\u0007.png', 'abc.png'],
    ['surrounding spaces', '   spaced.png  ', 'spaced.png'],
    ['a name without an extension', 'notes', 'notes'],
    ['decomposed accents (NFC)', 'cafe\u0301.png', 'caf\u00E9.png'],
  ])('cleans %s like an upload', async (_, given, stored) => {
    expect(await (await patch(member, image.id, { filename: given })).json()).toMatchObject({ filename: stored })
  })

  it('keeps a long name to 255 characters with its extension, as uploads do', async () => {
    const dto = await (await patch(member, image.id, { filename: `${'长'.repeat(300)}.png` })).json() as ImageDto
    expect([...dto.filename]).toHaveLength(255)
    expect(dto.filename.endsWith('.png')).toBe(true)
  })
})

describe('refusals', () => {
  it.each([
    ['empty', ''],
    ['only spaces', '    '],
    ['only control characters', '\u0000\u0001\u202E'],
    ['only a path', 'folder/'],
  ])('a name that is %s after cleaning: 400 INVALID_FILENAME, unchanged', async (_, filename) => {
    const before = await imageStates(member.id)
    await expectApiError(await patch(member, image.id, { filename }), 400, 'INVALID_FILENAME')
    expect(await imageStates(member.id)).toEqual(before)
  })

  it.each<[string, unknown]>([
    ['an empty body', {}],
    ['an extra key', { favorite: true, sha256: 'x' }],
    ['a string favourite', { favorite: 'true' }],
    ['a null name', { filename: null }],
    ['a number name', { filename: 42 }],
    ['a name over 1,000 characters', { filename: 'x'.repeat(1001) }],
    ['an array', [{ favorite: true }]],
  ])('%s: 400 VALIDATION_ERROR, unchanged', async (_, body) => {
    const before = await imageStates(member.id)
    await expectApiError(await patch(member, image.id, body), 400, 'VALIDATION_ERROR')
    expect(await imageStates(member.id)).toEqual(before)
  })

  it('answers 404 IMAGE_NOT_FOUND for a trashed, foreign or missing image, the same for each', async () => {
    const answers: string[] = []
    for (const id of [member.images[1]!.id, other.images[0]!.id, 2147483647]) {
      const res = await patch(member, id, { favorite: true })
      answers.push(JSON.stringify(await expectApiError(res, 404, 'IMAGE_NOT_FOUND')))
    }
    expect(new Set(answers).size).toBe(1)
    expect(await imageStates(other.id)).toEqual([expect.objectContaining({ filename: 'theirs.png', favorite: 0 })])
    expect((await imageStates(member.id))[1]).toMatchObject({ favorite: 0, deleted: 1 })
  })

  it.each(['abc', '0', '-1', '1.5', '2147483648'])('answers 400 INVALID_ID for the id %s', async (id) => {
    await expectApiError(await patch(member, id, { favorite: true }), 400, 'INVALID_ID')
  })

  it('answers 415 without a JSON content type, and 401 without a session', async () => {
    await expectApiError(await fetch(`/api/images/${image.id}`, { method: 'PATCH', headers: bearer(member.token), body: '{"favorite":true}' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
    await expectApiError(await fetch(`/api/images/${image.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"favorite":true}' }), 401, 'UNAUTHORIZED')
  })

  it('leaves the other routes under /api/images/:id alone (GET answers the photo, PUT is no route)', async () => {
    const res = await fetch(`/api/images/${image.id}`, { headers: bearer(member.token) })
    expect(res.status).toBe(200)
    expect((await res.json() as { id: number }).id).toBe(image.id)
    const put = await fetch(`/api/images/${image.id}`, { method: 'PUT', headers: bearer(member.token) })
    expect([404, 405]).toContain(put.status)
    await put.arrayBuffer()
    expect((await fetch(image.thumbnail_url, { headers: bearer(member.token) })).status).toBe(200)
  })
})
