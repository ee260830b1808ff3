import { randomInt } from 'node:crypto'
import { fetch } from '@nuxt/test-utils/e2e'
import { beforeAll, describe, expect, it } from 'vitest'
import type { AlbumDto } from '../../shared/contracts/albums'
import type { ImageDto } from '../../shared/contracts/images'
import { bearer, makeImage, signUp, upload } from '../setup/api'
import { startServer } from '../setup/server'
import { userId } from '../support/accounts'
import { query } from '../support/db'
import { expectApiError } from '../support/errors'

// SPEC §8 albums, over real sockets against the built server and the run's MariaDB. Trash and
// restore are set in the database directly (the trash routes are tested in their own file): what
// matters here is how albums treat a trashed photo.

await startServer()

interface User { token: string, id: number }

async function newUser(): Promise<User> {
  const { token } = await signUp()
  return { token, id: await userId(token) }
}

function send(user: User | null, method: string, path: string, body?: unknown, rawBody?: string): Promise<Response> {
  const headers: Record<string, string> = user ? bearer(user.token) : {}
  if (body !== undefined || rawBody !== undefined) headers['content-type'] = 'application/json'
  return fetch(path, { method, headers, body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)) })
}

async function ok<T>(res: Response, status = 200): Promise<T> {
  const text = await res.text()
  expect(res.status, text.slice(0, 300)).toBe(status)
  return JSON.parse(text) as T
}

const createAlbum = async (user: User, title = 'Trip', description?: string) =>
  ok<AlbumDto>(await send(user, 'POST', '/api/albums', { title, description }), 201)
const getAlbum = async (user: User, id: number) => ok<AlbumDto>(await send(user, 'GET', `/api/albums/${id}`))
const listAlbums = async (user: User) => ok<AlbumDto[]>(await send(user, 'GET', '/api/albums'))
const addImages = (user: User, albumId: number, ids: unknown) => send(user, 'POST', `/api/albums/${albumId}/images`, { image_ids: ids })
const removeImages = (user: User, albumId: number, ids: unknown) => send(user, 'DELETE', `/api/albums/${albumId}/images`, { image_ids: ids })
const patchAlbum = (user: User, albumId: number, body: unknown) => send(user, 'PATCH', `/api/albums/${albumId}`, body)
const albumImageIds = async (user: User, albumId: number, qs = '') =>
  (await ok<ImageDto[]>(await send(user, 'GET', `/api/albums/${albumId}/images${qs}`))).map(i => i.id)

/** Uploads `n` distinct small images (distinct bytes: equal ones would be duplicates); returns their DTOs, oldest first. */
async function uploadImages(user: User, n: number): Promise<ImageDto[]> {
  const out: ImageDto[] = []
  for (let i = 0; i < n; i++) {
    const color = `#${randomInt(0, 0xFFFFFF).toString(16).padStart(6, '0')}`
    const res = await upload(user.token, await makeImage('png', 8 + i, 8, color), `photo-${i}.png`)
    out.push((await ok<{ image: ImageDto }>(res, 201)).image)
  }
  return out
}

const trash = (ids: number[]) => query('UPDATE images SET deleted_at = CURRENT_TIMESTAMP(3) WHERE id IN (?)', [ids])
const restore = (ids: number[]) => query('UPDATE images SET deleted_at = NULL WHERE id IN (?)', [ids])

/** The user's photos outside the trash, by id. */
const liveImageIds = async (user: User) =>
  (await query<{ id: number }>('SELECT id FROM images WHERE user_id = ? AND deleted_at IS NULL ORDER BY id', [user.id])).map(r => r.id)

/** Everything of the user's albums in the database: what a refused request must leave exactly as it was. */
async function albumState(user: User) {
  return {
    albums: await query('SELECT id, title, description, cover_image_id, created_at, updated_at FROM albums WHERE user_id = ? ORDER BY id', [user.id]),
    links: await query('SELECT ai.album_id, ai.image_id, ai.added_at FROM album_images ai JOIN albums a ON a.id = ai.album_id WHERE a.user_id = ? ORDER BY 1, 2', [user.id]),
    images: await query('SELECT id, deleted_at FROM images WHERE user_id = ? ORDER BY id', [user.id]),
  }
}

const ALBUM_KEYS = ['cover_thumbnail_url', 'created_at', 'description', 'id', 'image_count', 'title', 'updated_at']

describe('POST /api/albums', () => {
  it('creates an empty album: 201, the title trimmed, no description, no photos, no cover', async () => {
    const user = await newUser()
    const album = await createAlbum(user, '  夏天 Summer  ')
    expect(Object.keys(album).sort()).toEqual(ALBUM_KEYS)
    expect(album).toMatchObject({ title: '夏天 Summer', description: '', image_count: 0, cover_thumbnail_url: null })
    expect(album.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(album.updated_at).toBe(album.created_at)
    expect(await getAlbum(user, album.id)).toEqual(album)
  })

  it('accepts a 100-character title and a 2,000-character description (CJK too)', async () => {
    const user = await newUser()
    const album = await createAlbum(user, '相'.repeat(100), '描'.repeat(2000))
    expect(album.title).toBe('相'.repeat(100))
    expect(album.description).toBe('描'.repeat(2000))
  })

  it.each([
    ['an empty title', { title: '' }],
    ['a title of spaces only', { title: '   ' }],
    ['a 101-character title', { title: 'x'.repeat(101) }],
    ['a 2,001-character description', { title: 'ok', description: 'd'.repeat(2001) }],
    ['no title', { description: 'only this' }],
    ['a number as title', { title: 42 }],
    ['a null title', { title: null }],
    ['an extra key', { title: 'ok', cover_image_id: 1 }],
    ['an array', [{ title: 'ok' }]],
  ])('refuses %s with 400 and creates nothing', async (_, body) => {
    const user = await newUser()
    await expectApiError(await send(user, 'POST', '/api/albums', body), 400, 'VALIDATION_ERROR')
    expect((await albumState(user)).albums).toEqual([])
  })

  it('refuses malformed JSON and a non-JSON body', async () => {
    const user = await newUser()
    await expectApiError(await send(user, 'POST', '/api/albums', undefined, '{"title":'), 400, 'INVALID_JSON')
    const res = await fetch('/api/albums', { method: 'POST', headers: { ...bearer(user.token), 'content-type': 'text/plain' }, body: 'title=x' })
    await expectApiError(res, 415, 'UNSUPPORTED_MEDIA_TYPE')
    expect((await albumState(user)).albums).toEqual([])
  })
})

describe('GET /api/albums', () => {
  it('lists only the caller\'s albums, recently updated first: editing and adding photos move an album to the top', async () => {
    const user = await newUser()
    const other = await newUser()
    await createAlbum(other, 'not mine')
    const [image] = await uploadImages(user, 1)
    const a = await createAlbum(user, 'A')
    const b = await createAlbum(user, 'B')
    const c = await createAlbum(user, 'C')
    expect((await listAlbums(user)).map(x => x.title)).toEqual(['C', 'B', 'A'])
    await ok(await patchAlbum(user, a.id, { description: 'now with words' }))
    expect((await listAlbums(user)).map(x => x.title)).toEqual(['A', 'C', 'B'])
    expect(await ok(await addImages(user, b.id, [image!.id]))).toEqual({ count: 1 })
    expect((await listAlbums(user)).map(x => x.title)).toEqual(['B', 'A', 'C'])
    // Adding what is already there changes nothing, so it is not an update.
    const before = await getAlbum(user, b.id)
    await ok(await patchAlbum(user, c.id, { title: 'C2' }))
    expect(await ok(await addImages(user, b.id, [image!.id]))).toEqual({ count: 0 })
    expect(await getAlbum(user, b.id)).toEqual(before)
    expect((await listAlbums(user)).map(x => x.title)).toEqual(['C2', 'B', 'A'])
    expect(await ok(await removeImages(user, b.id, [image!.id]))).toEqual({ count: 1 })
    expect((await listAlbums(user)).map(x => x.title)).toEqual(['B', 'C2', 'A'])
  })

  it('answers an empty list for a user without albums', async () => {
    expect(await listAlbums(await newUser())).toEqual([])
  })

  it('lists 300 albums with their counts and covers right (one query, not one per album)', async () => {
    const user = await newUser()
    const images = await uploadImages(user, 3)
    // Rows made in the database: 300 albums through the API would only test the API 300 times.
    await query('INSERT INTO albums (user_id, title) VALUES ?', [Array.from({ length: 300 }, (_, k) => [user.id, `bulk ${k}`])])
    const ids = (await query<{ id: number }>('SELECT id FROM albums WHERE user_id = ? ORDER BY id', [user.id])).map(r => r.id)
    // Album k holds the first k % 4 photos.
    const links = ids.flatMap((albumId, k) => images.slice(0, k % 4).map(image => [albumId, image.id]))
    await query('INSERT INTO album_images (album_id, image_id) VALUES ?', [links])
    await trash([images[2]!.id])
    const listed = await listAlbums(user)
    expect(listed).toHaveLength(300)
    const byId = new Map(listed.map(a => [a.id, a]))
    ids.forEach((albumId, k) => {
      const album = byId.get(albumId)!
      expect(album.image_count).toBe(Math.min(k % 4, 2))
      // Photos added in one statement share added_at: the highest id is the newest.
      const newest = images.slice(0, Math.min(k % 4, 2)).at(-1)
      expect(album.cover_thumbnail_url).toBe(newest ? newest.thumbnail_url : null)
    })
  })
})

// Who may ask: an owner with one album holding one of its two photos, and an intruder with a photo
// of its own. Made in a top-level hook: @nuxt/test-utils' context is only there for those.
let owner: User
let intruder: User
let album: AlbumDto
let ownerImages: ImageDto[]
let intruderImage: ImageDto

beforeAll(async () => {
  owner = await newUser()
  intruder = await newUser()
  ownerImages = await uploadImages(owner, 2)
  ;[intruderImage] = await uploadImages(intruder, 1) as [ImageDto]
  album = await createAlbum(owner, 'Private')
  await ok(await addImages(owner, album.id, [ownerImages[0]!.id]))
})

describe('GET/PATCH/DELETE /api/albums/:id and its images: who may ask', () => {
  const requests: Array<[string, (id: number) => [string, string, unknown?]]> = [
    ['GET the album', id => ['GET', `/api/albums/${id}`]],
    ['PATCH the album', id => ['PATCH', `/api/albums/${id}`, { title: 'mine now' }]],
    ['DELETE the album', id => ['DELETE', `/api/albums/${id}`]],
    ['GET its images', id => ['GET', `/api/albums/${id}/images`]],
    ['POST images to it', id => ['POST', `/api/albums/${id}/images`, { image_ids: [ownerImages[1]!.id] }]],
    ['DELETE images from it', id => ['DELETE', `/api/albums/${id}/images`, { image_ids: [ownerImages[0]!.id] }]],
  ]

  it.each(requests)('another user who tries to %s gets 404 ALBUM_NOT_FOUND and changes nothing', async (_, build) => {
    const before = await albumState(owner)
    const [method, path, body] = build(album.id)
    await expectApiError(await send(intruder, method, path, body), 404, 'ALBUM_NOT_FOUND')
    expect(await albumState(owner)).toEqual(before)
  })

  it.each(requests)('the owner naming an image id or an unknown id as the album (%s) gets 404 ALBUM_NOT_FOUND', async (_, build) => {
    const before = await albumState(owner)
    // The owner has one album: any of its image ids other than that album's id is no album of theirs.
    const imageId = ownerImages.map(i => i.id).find(id => id !== album.id)!
    for (const id of [imageId, 2147483647]) {
      const [method, path, body] = build(id)
      await expectApiError(await send(owner, method, path, body), 404, 'ALBUM_NOT_FOUND')
    }
    expect(await albumState(owner)).toEqual(before)
  })

  it.each(requests)('an anonymous caller who tries to %s gets 401', async (_, build) => {
    const [method, path, body] = build(album.id)
    await expectApiError(await send(null, method, path, body), 401, 'UNAUTHORIZED')
  })

  it.each(['abc', '0', '-1', '1.5', '1e3', '99999999999', '2147483648'])('refuses the album id %s with 400 INVALID_ALBUM_ID on every route', async (bad) => {
    const before = await albumState(owner)
    for (const [, build] of requests) {
      const [method, path, body] = build(1)
      await expectApiError(await send(owner, method, path.replace('/1', `/${bad}`), body), 400, 'INVALID_ALBUM_ID')
    }
    expect(await albumState(owner)).toEqual(before)
  })

  it('another user cannot add the owner\'s photo to their own album: 404 IMAGE_NOT_FOUND', async () => {
    const theirs = await createAlbum(intruder, 'Theirs')
    await expectApiError(await addImages(intruder, theirs.id, [ownerImages[1]!.id]), 404, 'IMAGE_NOT_FOUND')
    // Nor an album id passed as an image id.
    await expectApiError(await addImages(intruder, theirs.id, [theirs.id]), 404, 'IMAGE_NOT_FOUND')
    await expectApiError(await patchAlbum(intruder, theirs.id, { cover_image_id: ownerImages[0]!.id }), 404, 'IMAGE_NOT_FOUND')
    expect((await getAlbum(intruder, theirs.id)).image_count).toBe(0)
    // Its own photo works, and the owner's album does not see it.
    expect(await ok(await addImages(intruder, theirs.id, [intruderImage.id]))).toEqual({ count: 1 })
    expect(await albumImageIds(owner, album.id)).toEqual([ownerImages[0]!.id])
  })
})

describe('POST /api/albums/:id/images', () => {
  it('adds photos and counts only the new ones; ids already there are not an error', async () => {
    const user = await newUser()
    const [a, b, c] = await uploadImages(user, 3) as [ImageDto, ImageDto, ImageDto]
    const album = await createAlbum(user)
    expect(await ok(await addImages(user, album.id, [a.id, b.id]))).toEqual({ count: 2 })
    expect(await ok(await addImages(user, album.id, [b.id, c.id, c.id]))).toEqual({ count: 1 })
    expect(await ok(await addImages(user, album.id, [a.id, b.id, c.id]))).toEqual({ count: 0 })
    expect((await getAlbum(user, album.id)).image_count).toBe(3)
  })

  it('is all or nothing: one foreign, missing or trashed id answers 404 IMAGE_NOT_FOUND and adds none', async () => {
    const user = await newUser()
    const other = await newUser()
    const [mine, trashed] = await uploadImages(user, 2) as [ImageDto, ImageDto]
    const [theirs] = await uploadImages(other, 1) as [ImageDto]
    await trash([trashed.id])
    const album = await createAlbum(user)
    const before = await albumState(user)
    for (const foreign of [theirs.id, trashed.id, 2147483647]) {
      await expectApiError(await addImages(user, album.id, [mine.id, foreign]), 404, 'IMAGE_NOT_FOUND')
    }
    // 500 ids pass validation (the limit is 500), and one unknown id among them still refuses the lot.
    const many = [mine.id, ...Array.from({ length: 499 }, (_, i) => 2_000_000_000 + i)]
    await expectApiError(await addImages(user, album.id, many), 404, 'IMAGE_NOT_FOUND')
    expect(await albumState(user)).toEqual(before)
  })

  it.each([
    ['an empty list', []],
    ['501 ids', Array.from({ length: 501 }, (_, i) => i + 1)],
    ['a fractional id', [1.5]],
    ['a string id', ['1']],
    ['zero', [0]],
    ['a negative id', [-3]],
    ['an id past 32 bits', [2147483648]],
    ['null', null],
    ['a bare number', 1],
  ])('refuses %s with 400 and adds nothing', async (_, ids) => {
    const user = await newUser()
    const [image] = await uploadImages(user, 1) as [ImageDto]
    const album = await createAlbum(user)
    const before = await albumState(user)
    await expectApiError(await addImages(user, album.id, ids), 400, 'VALIDATION_ERROR')
    await expectApiError(await send(user, 'POST', `/api/albums/${album.id}/images`, { image_ids: [image.id], extra: true }), 400, 'VALIDATION_ERROR')
    await expectApiError(await send(user, 'POST', `/api/albums/${album.id}/images`, {}), 400, 'VALIDATION_ERROR')
    expect(await albumState(user)).toEqual(before)
  })

  it('50 parallel adds of overlapping ids count each new link exactly once, with no 500', async () => {
    const user = await newUser()
    const images = await uploadImages(user, 12)
    const album = await createAlbum(user)
    await ok(await addImages(user, album.id, [images[0]!.id]))
    // Every request names image 0 (already there) and 4 of the other 11, so they collide on purpose.
    const requests = Array.from({ length: 50 }, (_, k) => [images[0]!.id, ...[0, 1, 2, 3].map(j => images[1 + (k + j * 3) % 11]!.id)])
    const answers = await Promise.all(requests.map(ids => addImages(user, album.id, ids)))
    const counts = await Promise.all(answers.map(res => ok<{ count: number }>(res)))
    expect(counts.reduce((sum, { count }) => sum + count, 0)).toBe(11)
    expect((await getAlbum(user, album.id)).image_count).toBe(12)
    expect(await query('SELECT image_id FROM album_images WHERE album_id = ?', [album.id])).toHaveLength(12)
  })

  it('adds racing the album\'s deletion answer 200 or 404, never 500, and leave no links behind', { repeats: 15 }, async () => {
    const user = await newUser()
    const images = await uploadImages(user, 3)
    const album = await createAlbum(user)
    const adds = Array.from({ length: 20 }, () => addImages(user, album.id, images.map(i => i.id)))
    const del = send(user, 'DELETE', `/api/albums/${album.id}`)
    const statuses = await Promise.all([...adds, del].map(async (p) => {
      const res = await p
      await res.text()
      return res.status
    }))
    // Repeated: the deadlock this once had (the delete locking through another index) came 1 time in 10.
    expect(statuses.filter(s => s !== 200 && s !== 404)).toEqual([])
    expect(statuses.at(-1)).toBe(200)
    expect(await query('SELECT * FROM album_images WHERE album_id = ?', [album.id])).toEqual([])
  })
})

describe('racing a purge', () => {
  it('adds of a photo being purged (the album\'s chosen cover) answer 200 or 404, never 500', { repeats: 10 }, async () => {
    const user = await newUser()
    const [keep, doomed] = await uploadImages(user, 2) as [ImageDto, ImageDto]
    const album = await createAlbum(user)
    await ok(await addImages(user, album.id, [keep.id]))
    // Adding a photo locks the album, then (foreign-key check) the photo; a purge of the chosen cover
    // locks the photo, then (ON DELETE SET NULL) the album: the opposite order, a deadlock InnoDB breaks.
    await query('UPDATE albums SET cover_image_id = ? WHERE id = ?', [doomed.id, album.id])
    const adds = Array.from({ length: 20 }, () => addImages(user, album.id, [keep.id, doomed.id]))
    const purge = (async () => {
      for (let attempt = 0; ; attempt++) {
        try { return await query('DELETE FROM images WHERE id = ?', [doomed.id]) }
        catch (error) { if (attempt > 5) throw error } // this side may be the deadlock's victim too
      }
    })()
    const statuses = await Promise.all(adds.map(async (p) => {
      const res = await p
      await res.text()
      return res.status
    }))
    await purge
    expect(statuses.filter(s => s !== 200 && s !== 404)).toEqual([])
    expect(await albumImageIds(user, album.id)).toEqual([keep.id])
    expect(await getAlbum(user, album.id)).toMatchObject({ image_count: 1, cover_thumbnail_url: keep.thumbnail_url })
  })
})

describe('GET /api/albums/:id/images', () => {
  it('pages live photos, most recently added first, with a Link like the list; trashed photos hide and come back', async () => {
    const user = await newUser()
    const images = await uploadImages(user, 5)
    const [i0, i1, , i3, i4] = images.map(i => i.id) as [number, number, number, number, number]
    const album = await createAlbum(user)
    // Added in three requests: [i3, i1] together (same time: higher id first), then i0, then i4; i2 never.
    await ok(await addImages(user, album.id, [i3, i1]))
    await ok(await addImages(user, album.id, [i0]))
    await ok(await addImages(user, album.id, [i4]))
    expect(await albumImageIds(user, album.id)).toEqual([i4, i0, i3, i1])

    const first = await send(user, 'GET', `/api/albums/${album.id}/images?limit=2`)
    expect((await ok<ImageDto[]>(first)).map(i => i.id)).toEqual([i4, i0])
    const link = first.headers.get('link')
    expect(link).toBe(`</api/albums/${album.id}/images?limit=2&before=${i0}>; rel="next"`)
    const second = await send(user, 'GET', link!.slice(1, link!.indexOf('>')))
    const page2 = await ok<ImageDto[]>(second)
    expect(page2.map(i => i.id)).toEqual([i3, i1])
    expect(second.headers.get('link')).toBeNull()
    // The DTOs are the gallery's own.
    expect(page2[0]).toEqual(images[3])

    await trash([i0, i3])
    expect(await albumImageIds(user, album.id)).toEqual([i4, i1])
    expect((await getAlbum(user, album.id)).image_count).toBe(2)
    // A trashed photo that was the last of a page still works as the cursor.
    expect(await albumImageIds(user, album.id, `?before=${i0}`)).toEqual([i1])
    await restore([i0, i3])
    expect(await albumImageIds(user, album.id)).toEqual([i4, i0, i3, i1])
    expect((await getAlbum(user, album.id)).image_count).toBe(4)
  })

  it('refuses a cursor that is not in the album (400 INVALID_CURSOR) and a bad limit (400 INVALID_QUERY)', async () => {
    const user = await newUser()
    const other = await newUser()
    const [inside, outside] = await uploadImages(user, 2) as [ImageDto, ImageDto]
    const [theirs] = await uploadImages(other, 1) as [ImageDto]
    const album = await createAlbum(user)
    await ok(await addImages(user, album.id, [inside.id]))
    for (const before of [outside.id, theirs.id, 2147483647]) {
      await expectApiError(await send(user, 'GET', `/api/albums/${album.id}/images?before=${before}`), 400, 'INVALID_CURSOR')
    }
    // The album's last photo as the cursor is an empty page, not a bad cursor (both find no row to list).
    expect(await albumImageIds(user, album.id, `?before=${inside.id}`)).toEqual([])
    for (const qs of ['limit=0', 'limit=101', 'limit=x', 'before=abc', 'before=0']) {
      await expectApiError(await send(user, 'GET', `/api/albums/${album.id}/images?${qs}`), 400, 'INVALID_QUERY')
    }
  })
})

describe('the cover', () => {
  it('is the newest live photo, the chosen one while it is in the album and live, and null for none', async () => {
    const user = await newUser()
    const [a, b, c] = await uploadImages(user, 3) as [ImageDto, ImageDto, ImageDto]
    const album = await createAlbum(user)
    const cover = async () => (await getAlbum(user, album.id)).cover_thumbnail_url
    expect(await cover()).toBeNull()
    await ok(await addImages(user, album.id, [a.id]))
    await ok(await addImages(user, album.id, [b.id]))
    expect(await cover()).toBe(b.thumbnail_url)

    const chosen = await ok<AlbumDto>(await patchAlbum(user, album.id, { cover_image_id: a.id }))
    expect(chosen.cover_thumbnail_url).toBe(a.thumbnail_url)
    await ok(await addImages(user, album.id, [c.id]))
    expect(await cover()).toBe(a.thumbnail_url)
    // Trashed: the newest live photo stands in; restored: the choice is back.
    await trash([a.id])
    expect(await cover()).toBe(c.thumbnail_url)
    await restore([a.id])
    expect(await cover()).toBe(a.thumbnail_url)
    // Removed: the choice is cleared, and adding the photo back does not revive it.
    expect(await ok(await removeImages(user, album.id, [a.id]))).toEqual({ count: 1 })
    expect(await cover()).toBe(c.thumbnail_url)
    expect(await query('SELECT cover_image_id FROM albums WHERE id = ?', [album.id])).toEqual([{ cover_image_id: null }])
    await ok(await addImages(user, album.id, [a.id]))
    expect(await cover()).toBe(a.thumbnail_url) // now simply the newest
    await ok(await patchAlbum(user, album.id, { cover_image_id: b.id }))
    expect(await cover()).toBe(b.thumbnail_url)
    expect((await ok<AlbumDto>(await patchAlbum(user, album.id, { cover_image_id: null }))).cover_thumbnail_url).toBe(a.thumbnail_url)
    await trash([a.id, b.id, c.id])
    expect(await cover()).toBeNull()
    expect((await getAlbum(user, album.id)).image_count).toBe(0)
  })

  it('must be one of the album\'s live photos: else 404 IMAGE_NOT_FOUND and nothing changes', async () => {
    const user = await newUser()
    const other = await newUser()
    const [inAlbum, notInAlbum, trashed] = await uploadImages(user, 3) as [ImageDto, ImageDto, ImageDto]
    const [theirs] = await uploadImages(other, 1) as [ImageDto]
    const album = await createAlbum(user)
    await ok(await addImages(user, album.id, [inAlbum.id, trashed.id]))
    await trash([trashed.id])
    const before = await albumState(user)
    for (const id of [notInAlbum.id, trashed.id, theirs.id, 2147483647]) {
      await expectApiError(await patchAlbum(user, album.id, { title: 'renamed', cover_image_id: id }), 404, 'IMAGE_NOT_FOUND')
    }
    expect(await albumState(user)).toEqual(before)
  })
})

describe('PATCH /api/albums/:id', () => {
  it('changes the title (trimmed) and the description, and answers the album', async () => {
    const user = await newUser()
    const album = await createAlbum(user, 'Old', 'old words')
    const renamed = await ok<AlbumDto>(await patchAlbum(user, album.id, { title: '  New  ' }))
    expect(renamed).toMatchObject({ id: album.id, title: 'New', description: 'old words', created_at: album.created_at })
    expect(renamed.updated_at > album.updated_at).toBe(true)
    const described = await ok<AlbumDto>(await patchAlbum(user, album.id, { description: '' }))
    expect(described).toMatchObject({ title: 'New', description: '' })
    expect(await getAlbum(user, album.id)).toEqual(described)
  })

  it.each([
    ['an empty body', {}],
    ['an empty title', { title: '' }],
    ['a title of spaces', { title: '  ' }],
    ['a 101-character title', { title: 'x'.repeat(101) }],
    ['a 2,001-character description', { description: 'd'.repeat(2001) }],
    ['a null title', { title: null }],
    ['a string cover id', { cover_image_id: '5' }],
    ['a fractional cover id', { cover_image_id: 1.5 }],
    ['an extra key', { title: 'ok', image_count: 9 }],
  ])('refuses %s with 400 and changes nothing', async (_, body) => {
    const user = await newUser()
    const album = await createAlbum(user)
    const before = await albumState(user)
    await expectApiError(await patchAlbum(user, album.id, body), 400, 'VALIDATION_ERROR')
    expect(await albumState(user)).toEqual(before)
  })
})

describe('DELETE /api/albums/:id/images', () => {
  it('removes photos from the album only: they stay in the gallery; ids not in the album count nothing', async () => {
    const user = await newUser()
    const [a, b, c] = await uploadImages(user, 3) as [ImageDto, ImageDto, ImageDto]
    const album = await createAlbum(user)
    await ok(await addImages(user, album.id, [a.id, b.id]))
    expect(await ok(await removeImages(user, album.id, [a.id, c.id, 2147483647]))).toEqual({ count: 1 })
    expect(await albumImageIds(user, album.id)).toEqual([b.id])
    expect(await ok(await removeImages(user, album.id, [a.id]))).toEqual({ count: 0 })
    expect(await liveImageIds(user)).toEqual([a.id, b.id, c.id])
  })

  it('leaves a trashed photo\'s hidden link alone, so it comes back when restored', async () => {
    const user = await newUser()
    const [a] = await uploadImages(user, 1) as [ImageDto]
    const album = await createAlbum(user)
    await ok(await addImages(user, album.id, [a.id]))
    await trash([a.id])
    expect(await ok(await removeImages(user, album.id, [a.id]))).toEqual({ count: 0 })
    await restore([a.id])
    expect(await albumImageIds(user, album.id)).toEqual([a.id])
  })

  it.each([
    ['an empty list', { image_ids: [] }],
    ['501 ids', { image_ids: Array.from({ length: 501 }, (_, i) => i + 1) }],
    ['a string id', { image_ids: ['1'] }],
    ['an extra key', { image_ids: [1], all: true }],
  ])('refuses %s with 400 and removes nothing', async (_, body) => {
    const user = await newUser()
    const [a] = await uploadImages(user, 1) as [ImageDto]
    const album = await createAlbum(user)
    await ok(await addImages(user, album.id, [a.id]))
    const before = await albumState(user)
    await expectApiError(await send(user, 'DELETE', `/api/albums/${album.id}/images`, body), 400, 'VALIDATION_ERROR')
    expect(await albumState(user)).toEqual(before)
  })
})

describe('DELETE /api/albums/:id', () => {
  it('deletes the album and its links; the photos stay in the gallery and in other albums', async () => {
    const user = await newUser()
    const [a, b] = await uploadImages(user, 2) as [ImageDto, ImageDto]
    const doomed = await createAlbum(user, 'Doomed')
    const kept = await createAlbum(user, 'Kept')
    await ok(await addImages(user, doomed.id, [a.id, b.id]))
    await ok(await addImages(user, kept.id, [a.id]))
    expect(await ok(await send(user, 'DELETE', `/api/albums/${doomed.id}`))).toEqual({ message: '相册删除成功' })
    await expectApiError(await send(user, 'GET', `/api/albums/${doomed.id}`), 404, 'ALBUM_NOT_FOUND')
    await expectApiError(await send(user, 'DELETE', `/api/albums/${doomed.id}`), 404, 'ALBUM_NOT_FOUND')
    expect(await query('SELECT * FROM album_images WHERE album_id = ?', [doomed.id])).toEqual([])
    expect((await listAlbums(user)).map(x => x.title)).toEqual(['Kept'])
    expect(await albumImageIds(user, kept.id)).toEqual([a.id])
    expect(await liveImageIds(user)).toEqual([a.id, b.id])
  })

  it('a purged photo leaves every album it was in, and stops being the cover', async () => {
    const user = await newUser()
    const [a, b] = await uploadImages(user, 2) as [ImageDto, ImageDto]
    const album = await createAlbum(user)
    await ok(await addImages(user, album.id, [a.id, b.id]))
    await ok(await patchAlbum(user, album.id, { cover_image_id: a.id }))
    // A purge deletes the row (the trash routes do the files too); the schema's cascades do the rest.
    await query('DELETE FROM images WHERE id = ?', [a.id])
    expect(await getAlbum(user, album.id)).toMatchObject({ image_count: 1, cover_thumbnail_url: b.thumbnail_url })
    expect(await albumImageIds(user, album.id)).toEqual([b.id])
  })
})
