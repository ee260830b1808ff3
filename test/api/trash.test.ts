import { fetch } from '@nuxt/test-utils/e2e'
import type { ResultSetHeader } from 'mysql2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TrashItemDto } from '../../shared/contracts/images'
import { bearer } from '../setup/api'
import { startServer } from '../setup/server'
import { db, query } from '../support/db'
import { expectApiError } from '../support/errors'
import { listFiles, storedExists, until, writeStored } from '../support/files'
import { getList, ids, imageStates, type Member, memberWith, sendJson, trash, walkPages } from '../support/organize'
import { type OwnServer, startOwnServer } from './upload-server'

// The trash (SPEC §8): delete moves an image there (files kept and still served to the owner),
// GET /api/trash lists it, restore brings it back, DELETE /api/trash purges rows then files, and the
// trash empties itself after TRASH_DAYS. Every id list is all-or-nothing.

const { uploadFolder } = await startServer()

/** The stored files (original and thumbnail) of images, from their rows. */
async function storedFiles(imageIds: number[]): Promise<string[]> {
  const rows = await query<{ filepath: string, thumbpath: string }>('SELECT filepath, thumbpath FROM images WHERE id IN (?)', [imageIds])
  return rows.flatMap(r => [r.filepath, r.thumbpath]).sort()
}

const filesExist = async (folder: string, keys: string[]) => (await Promise.all(keys.map(k => storedExists(folder, k)))).every(Boolean)
const filesGone = async (folder: string, keys: string[]) => (await Promise.all(keys.map(k => storedExists(folder, k)))).every(e => !e)

const restore = (member: Member, body: unknown) => sendJson('POST', '/api/trash/restore', member.token, body)
const purge = (member: Member, body: unknown) => sendJson('DELETE', '/api/trash', member.token, body)

/** A user with one trashed image, for the bad-body cases (made before any test: @nuxt/test-utils' fetch has no context in a describe's own beforeAll). */
let holder: Member
beforeAll(async () => {
  holder = await memberWith(['bad.png'])
  await trash(holder.token, ids(holder.images))
})

describe('delete moves to the trash', () => {
  it('answers 图片删除成功, hides the image from the list, keeps its files and still serves them to the owner only', async () => {
    const member = await memberWith(['keep.png', 'bin.png'])
    const other = await memberWith([])
    const [kept, binned] = member.images as [TrashItemDto, TrashItemDto]
    const files = await storedFiles([binned.id])
    const res = await fetch(`/api/images/delete/${binned.id}`, { method: 'DELETE', headers: bearer(member.token) })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ message: '图片删除成功' })
    expect(ids((await getList('/api/images', member.token)).items)).toEqual([kept.id])
    expect(await filesExist(uploadFolder, files)).toBe(true)
    for (const url of [binned.url, binned.thumbnail_url]) {
      expect((await fetch(url, { headers: bearer(member.token) })).status).toBe(200)
      await expectApiError(await fetch(url, { headers: bearer(other.token) }), 404, 'IMAGE_NOT_FOUND')
    }
    // Already in the trash: deleting, renaming or favouriting it again is a 404.
    await expectApiError(await fetch(`/api/images/delete/${binned.id}`, { method: 'DELETE', headers: bearer(member.token) }), 404, 'IMAGE_NOT_FOUND')
    await expectApiError(await sendJson('PATCH', `/api/images/${binned.id}`, member.token, { favorite: true }), 404, 'IMAGE_NOT_FOUND')
  })
})

describe('GET /api/trash', () => {
  it('lists the caller\'s trash, most recently deleted first, as image DTOs plus deleted_at, paged with Link', async () => {
    const member = await memberWith(['t1.png', 't2.png', 't3.png', 't4.png', 'live.png'])
    const other = await memberWith(['other.png'])
    await trash(other.token, ids(other.images))
    const [t1, t2, t3, t4] = member.images
    // Deleted in this order: t2, t4, then t1 and t3 together (one batch: one deleted_at, newest upload first).
    await trash(member.token, [t2!.id])
    await trash(member.token, [t4!.id])
    expect((await sendJson('POST', '/api/images/batch', member.token, { action: 'trash', image_ids: [t1!.id, t3!.id] })).status).toBe(200)
    const expected = [t3!.id, t1!.id, t4!.id, t2!.id]
    const { items } = await getList<TrashItemDto>('/api/trash', member.token)
    expect(ids(items)).toEqual(expected)
    expect(Object.keys(items[0]!).sort()).toEqual(['camera', 'content_type', 'created_at', 'deleted_at', 'favorite', 'filename', 'filepath', 'height', 'id', 'size', 'taken_at', 'thumbnail_url', 'url', 'width'])
    expect(items[0]).toMatchObject({ ...t3, deleted_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) })
    expect(Date.parse(items[0]!.deleted_at)).toBeGreaterThanOrEqual(Date.parse(items[2]!.deleted_at))
    for (const limit of [1, 3]) {
      const { ids: walked, links } = await walkPages(`/api/trash?limit=${limit}`, member.token)
      expect(walked).toEqual(expected)
      expect(links[0]).toBe(`</api/trash?limit=${limit}&before=${walked[limit - 1]}>; rel="next"`)
    }
  })

  it('refuses a live, foreign or missing image as the cursor, and bad paging', async () => {
    const member = await memberWith(['live.png'])
    const other = await memberWith(['binned.png'])
    await trash(other.token, ids(other.images))
    for (const before of [member.images[0]!.id, other.images[0]!.id, 2147483647]) {
      await expectApiError(await fetch(`/api/trash?before=${before}`, { headers: bearer(member.token) }), 400, 'INVALID_CURSOR')
    }
    for (const params of ['limit=0', 'limit=101', 'before=abc', 'before=-1']) {
      await expectApiError(await fetch(`/api/trash?${params}`, { headers: bearer(member.token) }), 400, 'INVALID_QUERY')
    }
    expect((await getList('/api/trash', member.token)).items).toEqual([])
  })
})

describe('POST /api/trash/restore', () => {
  it('brings images back to their place in the list and answers the count', async () => {
    const member = await memberWith(['a.png', 'b.png', 'c.png'])
    await trash(member.token, ids(member.images))
    const res = await restore(member, { image_ids: [member.images[0]!.id, member.images[2]!.id, member.images[0]!.id] })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ count: 2 })
    expect(ids((await getList('/api/images', member.token)).items)).toEqual([member.images[2]!.id, member.images[0]!.id])
    expect(ids((await getList('/api/trash', member.token)).items)).toEqual([member.images[1]!.id])
  })

  it.each([
    ['a live image', 'live'],
    ['another user\'s trashed image', 'foreign'],
    ['a missing id', 'missing'],
  ])('refuses the whole list with 404 IMAGE_NOT_FOUND when one id is %s, restoring nothing', async (_, kind) => {
    const member = await memberWith(['x.png', 'y.png', 'z.png'])
    const other = await memberWith(['o.png'])
    await trash(other.token, ids(other.images))
    await trash(member.token, [member.images[0]!.id, member.images[1]!.id])
    const odd = { live: member.images[2]!.id, foreign: other.images[0]!.id, missing: 2147483647 }[kind]!
    const before = await imageStates(member.id)
    await expectApiError(await restore(member, { image_ids: [member.images[0]!.id, odd, member.images[1]!.id] }), 404, 'IMAGE_NOT_FOUND')
    expect(await imageStates(member.id)).toEqual(before)
    expect((await imageStates(other.id))[0]!.deleted).toBe(1)
  })

  it('lets one of 50 identical parallel restores succeed; the others find nothing to restore (404), none fails', async () => {
    const member = await memberWith(['p1.png', 'p2.png', 'p3.png'])
    await trash(member.token, ids(member.images))
    const results = await Promise.all(Array.from({ length: 50 }, () => restore(member, { image_ids: ids(member.images) })))
    const statuses = results.map(r => r.status)
    expect(statuses.filter(s => s === 200)).toHaveLength(1)
    expect(statuses.filter(s => s === 404)).toHaveLength(49)
    expect(await results.find(r => r.status === 200)!.json()).toEqual({ count: 3 })
    expect((await imageStates(member.id)).every(s => s.deleted === 0)).toBe(true)
  })
})

describe('DELETE /api/trash', () => {
  it('purges the named images for good: rows, originals, thumbnails and album links', async () => {
    const member = await memberWith(['gone1.png', 'gone2.png', 'stays.png'])
    const [gone1, gone2, stays] = member.images as [TrashItemDto, TrashItemDto, TrashItemDto]
    await trash(member.token, [gone1.id, gone2.id, stays.id])
    const files = await storedFiles([gone1.id, gone2.id])
    const keptFiles = await storedFiles([stays.id])
    // An album holding one of them: the link goes with the image (the album stays).
    const [album] = await db().query<ResultSetHeader>('INSERT INTO albums (user_id, title) VALUES (?, ?)', [member.id, 'trip'])
    await query('INSERT INTO album_images (album_id, image_id) VALUES (?, ?), (?, ?)', [album.insertId, gone1.id, album.insertId, stays.id])
    const res = await purge(member, { image_ids: [gone1.id, gone2.id] })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ count: 2 })
    expect(ids(await imageStates(member.id))).toEqual([stays.id])
    expect(await filesGone(uploadFolder, files)).toBe(true)
    expect(await filesExist(uploadFolder, keptFiles)).toBe(true)
    expect(await query('SELECT image_id FROM album_images WHERE album_id = ?', [album.insertId])).toEqual([{ image_id: stays.id }])
    expect(await query('SELECT id FROM albums WHERE id = ?', [album.insertId])).toHaveLength(1)
    await expectApiError(await fetch(gone1.url, { headers: bearer(member.token) }), 404, 'IMAGE_NOT_FOUND')
    await expectApiError(await purge(member, { image_ids: [gone1.id] }), 404, 'IMAGE_NOT_FOUND')
  })

  it.each([
    ['a live image', 'live'],
    ['another user\'s trashed image', 'foreign'],
    ['a missing id', 'missing'],
  ])('refuses the whole list with 404 IMAGE_NOT_FOUND when one id is %s, deleting nothing', async (_, kind) => {
    const member = await memberWith(['x.png', 'y.png', 'z.png'])
    const other = await memberWith(['o.png'])
    await trash(other.token, ids(other.images))
    await trash(member.token, [member.images[0]!.id, member.images[1]!.id])
    const odd = { live: member.images[2]!.id, foreign: other.images[0]!.id, missing: 2147483647 }[kind]!
    const before = { mine: await imageStates(member.id), theirs: await imageStates(other.id), files: await listFiles(uploadFolder) }
    await expectApiError(await purge(member, { image_ids: [member.images[0]!.id, member.images[1]!.id, odd] }), 404, 'IMAGE_NOT_FOUND')
    expect({ mine: await imageStates(member.id), theirs: await imageStates(other.id), files: await listFiles(uploadFolder) }).toEqual(before)
  })

  it('empties the caller\'s whole trash with {all: true}, and nobody else\'s', async () => {
    const member = await memberWith(['e1.png', 'e2.png', 'e3.png'])
    const other = await memberWith(['o1.png'])
    await trash(other.token, ids(other.images))
    await trash(member.token, [member.images[0]!.id, member.images[1]!.id])
    const files = await storedFiles([member.images[0]!.id, member.images[1]!.id])
    const res = await purge(member, { all: true })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ count: 2 })
    expect(ids(await imageStates(member.id))).toEqual([member.images[2]!.id])
    expect(await filesGone(uploadFolder, files)).toBe(true)
    expect(await imageStates(other.id)).toEqual([expect.objectContaining({ id: other.images[0]!.id, deleted: 1 })])
    // An empty trash empties to nothing.
    expect(await (await purge(member, { all: true })).json()).toEqual({ count: 0 })
  })

  it('deletes each image once under 50 identical parallel purges: one 200, 49 404s, files gone, no 500', async () => {
    const member = await memberWith(['r1.png', 'r2.png', 'r3.png'])
    await trash(member.token, ids(member.images))
    const files = await storedFiles(ids(member.images))
    const results = await Promise.all(Array.from({ length: 50 }, () => purge(member, { image_ids: ids(member.images) })))
    const statuses = results.map(r => r.status)
    expect(statuses.filter(s => s === 200)).toHaveLength(1)
    expect(statuses.filter(s => s === 404)).toHaveLength(49)
    expect(await results.find(r => r.status === 200)!.json()).toEqual({ count: 3 })
    expect(await imageStates(member.id)).toEqual([])
    expect(await filesGone(uploadFolder, files)).toBe(true)
  })

  it('splits the trash between 50 parallel {all: true}: the counts add up to what was there', async () => {
    const member = await memberWith(['s1.png', 's2.png', 's3.png', 's4.png'])
    await trash(member.token, ids(member.images))
    const results = await Promise.all(Array.from({ length: 50 }, () => purge(member, { all: true })))
    expect(results.map(r => r.status)).toEqual(Array(50).fill(200))
    const counts = await Promise.all(results.map(async r => (await r.json()).count as number))
    expect(counts.reduce((a, b) => a + b, 0)).toBe(4)
    expect(await imageStates(member.id)).toEqual([])
  })
})

describe('bad trash bodies', () => {
  const id = () => holder.images[0]!.id
  const BODIES: Array<[string, () => unknown]> = [
    ['{all: false}', () => ({ all: false })],
    ['{all: "true"}', () => ({ all: 'true' })],
    ['{}', () => ({})],
    ['an empty list', () => ({ image_ids: [] })],
    ['501 ids', () => ({ image_ids: Array.from({ length: 501 }, (_, i) => i + 1) })],
    ['a non-integer', () => ({ image_ids: [id(), 1.5] })],
    ['a string id', () => ({ image_ids: [String(id())] })],
    ['id 0', () => ({ image_ids: [0] })],
    ['a negative id', () => ({ image_ids: [-id()] })],
    ['an id over 2^31-1', () => ({ image_ids: [2147483648] })],
    ['null', () => ({ image_ids: null })],
    ['an extra key', () => ({ image_ids: [id()], force: true })],
    ['both forms', () => ({ image_ids: [id()], all: true })],
    ['a bare array', () => [id()]],
  ]

  it.each(BODIES)('DELETE /api/trash with %s: 400 VALIDATION_ERROR, nothing deleted', async (_, body) => {
    const files = await listFiles(uploadFolder)
    await expectApiError(await purge(holder, body()), 400, 'VALIDATION_ERROR')
    expect(await imageStates(holder.id)).toEqual([expect.objectContaining({ id: id(), deleted: 1 })])
    expect(await listFiles(uploadFolder)).toEqual(files)
  })

  it.each(BODIES.filter(([name]) => !name.startsWith('{all') && name !== 'both forms'))('POST /api/trash/restore with %s: 400 VALIDATION_ERROR, nothing restored', async (_, body) => {
    await expectApiError(await restore(holder, body()), 400, 'VALIDATION_ERROR')
    expect(await imageStates(holder.id)).toEqual([expect.objectContaining({ id: id(), deleted: 1 })])
  })

  it('answers 400 INVALID_JSON for malformed JSON and 415 for another content type', async () => {
    await expectApiError(await purge(holder, '{"all": tru'), 400, 'INVALID_JSON')
    await expectApiError(await fetch('/api/trash', { method: 'DELETE', headers: bearer(holder.token), body: 'all=true' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
    expect(await imageStates(holder.id)).toEqual([expect.objectContaining({ id: id(), deleted: 1 })])
  })
})

describe('auto-empty after TRASH_DAYS', () => {
  // A server of this file's own with TRASH_DAYS=3: the job runs at start-up, so "time passing" is a
  // deleted_at moved into the past and a restart. Servers of other test files keep the default 30
  // days, so they never take these rows first.
  const servers: OwnServer[] = []
  afterAll(async () => { for (const server of servers) await server.kill() })

  it('purges images trashed longer ago (rows, then files), keeps younger trash and live images, and is harmless on two instances at once', async () => {
    const member = await memberWith(['expired.png', 'expired2.png', 'young.png', 'live.png'])
    const [expired, expired2, young, live] = member.images as [TrashItemDto, TrashItemDto, TrashItemDto, TrashItemDto]
    await trash(member.token, [expired.id, expired2.id, young.id])
    await query('UPDATE images SET deleted_at = CURRENT_TIMESTAMP(3) - INTERVAL 4 DAY WHERE id IN (?)', [[expired.id, expired2.id]])
    await query('UPDATE images SET deleted_at = CURRENT_TIMESTAMP(3) - INTERVAL 2 DAY WHERE id = ?', [young.id])
    const goneFiles = await storedFiles([expired.id, expired2.id])
    const keptFiles = await storedFiles([young.id, live.id])
    // A file the job must not touch: the purge deletes exactly the purged rows' files.
    await writeStored(uploadFolder, `${member.id}/stray.txt`, 'not an image')

    // Two instances on the same database and storage start (and run the job) at the same time.
    servers.push(...await Promise.all([startOwnServer({ TRASH_DAYS: '3' }, uploadFolder), startOwnServer({ TRASH_DAYS: '3' }, uploadFolder)]))
    expect(await until(async () => (await imageStates(member.id)).length === 2, 10_000, 100)).toBe(true)
    expect(await imageStates(member.id)).toEqual([
      expect.objectContaining({ id: young.id, deleted: 1 }),
      expect.objectContaining({ id: live.id, deleted: 0 }),
    ])
    expect(await until(() => filesGone(uploadFolder, goneFiles), 5000)).toBe(true)
    expect(await filesExist(uploadFolder, [...keptFiles, `${member.id}/stray.txt`])).toBe(true)
    const logs = servers.map(s => s.output()).join('\n')
    // Between them the two instances report each purged image once.
    const reported = [...logs.matchAll(/trash: deleted (\d+) image\(s\) trashed more than 3 day\(s\) ago/g)].map(m => Number(m[1]))
    expect(reported.reduce((a, b) => a + b, 0)).toBe(2)
    expect(logs).not.toMatch(/auto-empty failed/)
    for (const server of servers) expect(await server.faults()).toEqual([])
  })
})
