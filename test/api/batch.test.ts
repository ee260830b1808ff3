import { randomBytes } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { startServer } from '../setup/server'
import { query } from '../support/db'
import { expectApiError } from '../support/errors'
import { getList, ids, imageStates, type Member, memberWith, sendJson, trash } from '../support/organize'

// POST /api/images/batch {action, image_ids} (SPEC §8): all or nothing — any id that is not the
// caller's live image is a 404 and nothing changes.

await startServer()

const batch = (member: Member, body: unknown) => sendJson('POST', '/api/images/batch', member.token, body)

// Made before any test: @nuxt/test-utils' fetch has no context in a describe's own beforeAll.
let owner: Member
let other: Member
let bad: Member
beforeAll(async () => {
  owner = await memberWith(['m1.png', 'm2.png', 'm3.png'])
  other = await memberWith(['o1.png', 'o2.png'])
  await trash(owner.token, [owner.images[2]!.id])
  await trash(other.token, [other.images[1]!.id])
  bad = await memberWith(['bad.png'])
})

describe('the actions', () => {
  it('favourites and unfavourites the named images, answering how many (duplicates counted once)', async () => {
    const member = await memberWith(['a.png', 'b.png', 'c.png'])
    const [a, b, c] = ids(member.images)
    const res = await batch(member, { action: 'favorite', image_ids: [a, b, a] })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ count: 2 })
    expect((await imageStates(member.id)).map(s => s.favorite)).toEqual([1, 1, 0])
    // Favouriting a favourite again still counts it: a retried request answers alike.
    expect(await (await batch(member, { action: 'favorite', image_ids: [a, c] })).json()).toEqual({ count: 2 })
    expect(await (await batch(member, { action: 'unfavorite', image_ids: [a, b] })).json()).toEqual({ count: 2 })
    expect((await imageStates(member.id)).map(s => s.favorite)).toEqual([0, 0, 1])
    expect(ids((await getList('/api/images?favorite=true', member.token)).items)).toEqual([c])
  })

  it('moves the named images to the trash', async () => {
    const member = await memberWith(['a.png', 'b.png', 'c.png'])
    const [a, b, c] = ids(member.images)
    const res = await batch(member, { action: 'trash', image_ids: [c, a] })
    expect(await res.json()).toEqual({ count: 2 })
    expect(ids((await getList('/api/images', member.token)).items)).toEqual([b])
    expect(ids((await getList('/api/trash', member.token)).items).sort()).toEqual([a, c].sort())
  })

  it('handles 500 ids in one request', async () => {
    const member = await memberWith(['real.png'])
    // Rows only (the batch never reads files): 499 more of the member's images.
    const template = (await query<Record<string, unknown>>('SELECT * FROM images WHERE id = ?', [member.images[0]!.id]))[0]!
    const values = Array.from({ length: 499 }, (_, i) => [member.id, `bulk${i}.png`, template.filepath, template.thumbpath, template.content_type, template.size, template.width, template.height, randomBytes(32).toString('hex'), template.sort_at])
    await query('INSERT INTO images (user_id, filename, filepath, thumbpath, content_type, size, width, height, sha256, sort_at) VALUES ?', [values])
    const all = ids(await imageStates(member.id))
    expect(all).toHaveLength(500)
    expect(await (await batch(member, { action: 'favorite', image_ids: all })).json()).toEqual({ count: 500 })
    expect((await imageStates(member.id)).every(s => s.favorite === 1)).toBe(true)
    expect(await (await batch(member, { action: 'trash', image_ids: all })).json()).toEqual({ count: 500 })
    expect((await imageStates(member.id)).every(s => s.deleted === 1)).toBe(true)
    // Rows that share files are not purged here (the stored files belong to the first one only).
    await query('DELETE FROM images WHERE user_id = ? AND filename LIKE ?', [member.id, 'bulk%'])
  })
})

describe('atomicity', () => {
  const KINDS: Array<[string, () => number]> = [
    ['another user\'s live image', () => other.images[0]!.id],
    ['another user\'s trashed image', () => other.images[1]!.id],
    ['a missing id', () => 2147483647],
    ['the caller\'s own trashed image', () => owner.images[2]!.id],
  ]
  const cases = (['trash', 'favorite', 'unfavorite'] as const).flatMap(action => KINDS.map(([kind, odd]) => [action, kind, odd] as const))

  it.each(cases)('%s with %s among the caller\'s own ids: 404 IMAGE_NOT_FOUND, nothing changes for anyone', async (action, _, odd) => {
    const before = { mine: await imageStates(owner.id), theirs: await imageStates(other.id) }
    const res = await batch(owner, { action, image_ids: [owner.images[0]!.id, odd(), owner.images[1]!.id] })
    await expectApiError(res, 404, 'IMAGE_NOT_FOUND')
    expect({ mine: await imageStates(owner.id), theirs: await imageStates(other.id) }).toEqual(before)
  })

  it('answers a foreign id exactly like a missing one (no existence oracle)', async () => {
    const foreign = await batch(owner, { action: 'favorite', image_ids: [other.images[0]!.id] })
    const missing = await batch(owner, { action: 'favorite', image_ids: [2147483647] })
    expect(foreign.status).toBe(missing.status)
    expect(await foreign.text()).toBe(await missing.text())
  })
})

describe('50 identical requests at once', () => {
  it('trash: exactly one succeeds with the full count, the others 404, no 500', async () => {
    const member = await memberWith(['c1.png', 'c2.png', 'c3.png'])
    const results = await Promise.all(Array.from({ length: 50 }, () => batch(member, { action: 'trash', image_ids: ids(member.images) })))
    const statuses = results.map(r => r.status)
    expect(statuses.filter(s => s === 200)).toHaveLength(1)
    expect(statuses.filter(s => s === 404)).toHaveLength(49)
    expect(await results.find(r => r.status === 200)!.json()).toEqual({ count: 3 })
    expect((await imageStates(member.id)).every(s => s.deleted === 1)).toBe(true)
  })

  it('favorite and unfavorite mixed: every request succeeds, and the images end in one of the two states together', async () => {
    const member = await memberWith(['f1.png', 'f2.png', 'f3.png'])
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => batch(member, { action: i % 2 ? 'favorite' : 'unfavorite', image_ids: ids(member.images) })))
    expect(results.map(r => r.status)).toEqual(Array(50).fill(200))
    for (const res of results) expect(await res.json()).toEqual({ count: 3 })
    const favourites = (await imageStates(member.id)).map(s => s.favorite)
    expect([[0, 0, 0], [1, 1, 1]]).toContainEqual(favourites)
  })
})

describe('bad batch bodies', () => {
  const id = () => bad.images[0]!.id

  it.each<[string, () => unknown]>([
    ['an unknown action', () => ({ action: 'delete', image_ids: [id()] })],
    ['no action', () => ({ image_ids: [id()] })],
    ['no ids', () => ({ action: 'favorite' })],
    ['an empty list', () => ({ action: 'favorite', image_ids: [] })],
    ['501 ids', () => ({ action: 'favorite', image_ids: Array.from({ length: 501 }, (_, i) => i + 1) })],
    ['501 ids that dedupe to 1', () => ({ action: 'favorite', image_ids: Array(501).fill(id()) })],
    ['a non-integer', () => ({ action: 'favorite', image_ids: [id(), 2.5] })],
    ['a string id', () => ({ action: 'favorite', image_ids: [String(id())] })],
    ['id 0', () => ({ action: 'favorite', image_ids: [0] })],
    ['an id over 2^31-1', () => ({ action: 'favorite', image_ids: [2 ** 31] })],
    ['an extra key', () => ({ action: 'favorite', image_ids: [id()], all: true })],
    ['ids as an object', () => ({ action: 'favorite', image_ids: { 0: id() } })],
  ])('%s: 400 VALIDATION_ERROR, nothing changes', async (_, body) => {
    await expectApiError(await batch(bad, body()), 400, 'VALIDATION_ERROR')
    expect(await imageStates(bad.id)).toEqual([expect.objectContaining({ favorite: 0, deleted: 0 })])
  })

  it('refuses a body over the JSON limit with 413', async () => {
    await expectApiError(await batch(bad, { action: 'favorite', image_ids: [id()], pad: 'x'.repeat(20_000) }), 413, 'PAYLOAD_TOO_LARGE')
  })
})
