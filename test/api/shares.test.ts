import { fetch } from '@nuxt/test-utils/e2e'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ShareDto, SharedViewDto } from '../../shared/contracts/shares'
import { bearer } from '../setup/api'
import { startServer } from '../setup/server'
import { query } from '../support/db'
import { expectApiError } from '../support/errors'
import { type Member, memberWith, sendJson } from '../support/organize'
import { cookieOf, expectShareHeaders, expire, makeShare, openShare, shareCount, unlock } from '../support/shares'

// Share links (SPEC §9): made for an album or a photo by its owner, listed with their views, revoked
// at once; opened by anyone with the link, without an account, until they expire or end.

const { port } = await startServer({ TRUST_PROXY: '1' })

let owner: Member
let other: Member
let albumId: number

async function newAlbum(member: Member, imageIds: number[], title = 'Holiday'): Promise<number> {
  const album = await (await sendJson('POST', '/api/albums', member.token, { title })).json() as { id: number }
  expect((await sendJson('POST', `/api/albums/${album.id}/images`, member.token, { image_ids: imageIds })).status).toBe(200)
  return album.id
}

beforeAll(async () => {
  owner = await memberWith(['a.png', 'b.png', 'c.png'])
  other = await memberWith(['theirs.png'])
  albumId = await newAlbum(owner, owner.images.map(i => i.id))
})

describe('making a link', () => {
  it('answers 201 with the page URL, a 256-bit URL-safe token, a 7-day default expiry and the target', async () => {
    const before = Date.now()
    const share = await makeShare(owner.token, { album_id: albumId })
    expect(share.token).toMatch(/^[\w-]{43}$/)
    expect(share.url).toBe(`http://127.0.0.1:${port}/s/${share.token}`)
    expect(share.target).toEqual({ kind: 'album', id: albumId })
    expect(share.allow_download).toBe(false)
    expect(share.has_password).toBe(false)
    const expires = Date.parse(share.expires_at)
    expect(expires - before).toBeGreaterThanOrEqual(7 * 86400_000 - 1000)
    expect(expires - Date.now()).toBeLessThanOrEqual(7 * 86400_000 + 1000)
  })

  it('makes a link to one photo with a password, downloads and a chosen expiry', async () => {
    const share = await makeShare(owner.token, { image_id: owner.images[0]!.id, expires_in: 3600, password: 'open sesame', allow_download: true })
    expect(share.target).toEqual({ kind: 'image', id: owner.images[0]!.id })
    expect(share.has_password).toBe(true)
    expect(share.allow_download).toBe(true)
    expect(Math.abs(Date.parse(share.expires_at) - Date.now() - 3600_000)).toBeLessThan(5000)
  })

  it('gives 50 parallel requests 50 different tokens', async () => {
    const made = await Promise.all(Array.from({ length: 50 }, () => makeShare(owner.token, { image_id: owner.images[1]!.id })))
    expect(new Set(made.map(s => s.token)).size).toBe(50)
    expect(new Set(made.map(s => s.id)).size).toBe(50)
  })

  const invalid: Array<[string, () => Record<string, unknown>, number, string]> = [
    ['an expiry under 60 seconds', () => ({ album_id: albumId, expires_in: 59 }), 400, 'VALIDATION_ERROR'],
    ['an expiry over 365 days', () => ({ album_id: albumId, expires_in: 365 * 86400 + 1 }), 400, 'VALIDATION_ERROR'],
    ['a fractional expiry', () => ({ album_id: albumId, expires_in: 3600.5 }), 400, 'VALIDATION_ERROR'],
    ['an expiry as a string', () => ({ album_id: albumId, expires_in: '3600' }), 400, 'VALIDATION_ERROR'],
    ['a password of 7 characters', () => ({ album_id: albumId, password: '1234567' }), 400, 'VALIDATION_ERROR'],
    ['a password of 129 characters', () => ({ album_id: albumId, password: 'x'.repeat(129) }), 400, 'VALIDATION_ERROR'],
    ['both an album and a photo', () => ({ album_id: albumId, image_id: owner.images[0]!.id }), 400, 'VALIDATION_ERROR'],
    ['neither an album nor a photo', () => ({ expires_in: 3600 }), 400, 'VALIDATION_ERROR'],
    ['an unknown field', () => ({ album_id: albumId, public: true }), 400, 'VALIDATION_ERROR'],
    ['allow_download as a string', () => ({ album_id: albumId, allow_download: 'yes' }), 400, 'VALIDATION_ERROR'],
    ['someone else\'s album', () => ({ album_id: 0x7FFFFFFF }), 404, 'ALBUM_NOT_FOUND'],
    ['someone else\'s photo', () => ({ image_id: other.images[0]!.id }), 404, 'IMAGE_NOT_FOUND'],
  ]
  it.each(invalid)('refuses %s with a clear 4xx and creates nothing', async (_, body, status, code) => {
    const count = await shareCount()
    await expectApiError(await sendJson('POST', '/api/shares', owner.token, body()), status, code)
    expect(await shareCount()).toBe(count)
  })

  it('refuses someone else\'s album and a photo in the trash with a 404, creating nothing', async () => {
    const theirAlbum = await newAlbum(other, [other.images[0]!.id])
    const count = await shareCount()
    await expectApiError(await sendJson('POST', '/api/shares', owner.token, { album_id: theirAlbum }), 404, 'ALBUM_NOT_FOUND')
    const trashed = await memberWith(['gone.png'])
    expect((await fetch(`/api/images/delete/${trashed.images[0]!.id}`, { method: 'DELETE', headers: bearer(trashed.token) })).status).toBe(200)
    await expectApiError(await sendJson('POST', '/api/shares', trashed.token, { image_id: trashed.images[0]!.id }), 404, 'IMAGE_NOT_FOUND')
    expect(await shareCount()).toBe(count)
  })
})

describe('a stranger with the link', () => {
  it('sees the album: title, expiry, photos with thumbnail and preview URLs, no original without downloads', async () => {
    const share = await makeShare(owner.token, { album_id: albumId })
    const res = await openShare(share.token)
    expect(res.status).toBe(200)
    expectShareHeaders(res)
    const view = await res.json() as SharedViewDto
    expect(view.kind).toBe('album')
    expect(view.title).toBe('Holiday')
    expect(view.expires_at).toBe(share.expires_at)
    expect(view.allow_download).toBe(false)
    // Most recently added first, as in the album (added together: by id, newest first).
    expect(view.images.map(i => i.id)).toEqual(owner.images.map(i => i.id).reverse())
    for (const image of view.images) {
      expect(Object.keys(image).sort()).toEqual(['height', 'id', 'preview_url', 'taken_at', 'thumbnail_url', 'width'])
      expect(image.thumbnail_url).toBe(`/api/s/${share.token}/images/${image.id}/file?variant=thumb`)
    }
  })

  it('pages the album like the list (limit, before, Link) and counts only first pages as views', async () => {
    const share = await makeShare(owner.token, { album_id: albumId })
    const first = await openShare(share.token, '?limit=2')
    const page = await first.json() as SharedViewDto
    expect(page.images).toHaveLength(2)
    const link = first.headers.get('link')
    expect(link).toBe(`</api/s/${share.token}?limit=2&before=${page.images[1]!.id}>; rel="next"`)
    const second = await (await openShare(share.token, `?limit=2&before=${page.images[1]!.id}`)).json() as SharedViewDto
    expect(second.images.map(i => i.id)).toEqual([owner.images[0]!.id])
    await expectApiError(await openShare(share.token, `?limit=2&before=${other.images[0]!.id}`), 400, 'INVALID_CURSOR')
    await expectApiError(await openShare(share.token, '?limit=0'), 400, 'INVALID_QUERY')
    const listed = (await (await fetch('/api/shares', { headers: bearer(owner.token) })).json() as ShareDto[]).find(s => s.id === share.id)!
    expect(listed.view_count).toBe(1)
    expect(Date.parse(listed.last_viewed_at!)).toBeGreaterThan(Date.now() - 60_000)
  })

  it('gets the files of photos in the share: a WebP thumbnail and preview; the original only with downloads allowed', async () => {
    const closed = await makeShare(owner.token, { album_id: albumId })
    const id = owner.images[0]!.id
    const thumb = await fetch(`/api/s/${closed.token}/images/${id}/file?variant=thumb`)
    expect(thumb.status).toBe(200)
    expectShareHeaders(thumb)
    expect(thumb.headers.get('content-type')).toBe('image/webp')
    expect((await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).format).toBe('webp')
    const preview = await fetch(`/api/s/${closed.token}/images/${id}/file?variant=preview`)
    expect(preview.status).toBe(200)
    expectShareHeaders(preview)
    const meta = await sharp(Buffer.from(await preview.arrayBuffer())).metadata()
    expect(meta.format).toBe('webp')
    expect([meta.width, meta.height]).toEqual([owner.images[0]!.width, owner.images[0]!.height])
    expectShareHeaders(await expectDenied(fetch(`/api/s/${closed.token}/images/${id}/file?variant=original`), 403, 'DOWNLOAD_NOT_ALLOWED'))
    await expectApiError(await fetch(`/api/s/${closed.token}/images/${id}/file`), 403, 'DOWNLOAD_NOT_ALLOWED')

    const open = await makeShare(owner.token, { album_id: albumId, allow_download: true })
    const view = await (await openShare(open.token)).json() as SharedViewDto
    expect(view.images[0]!.original_url).toBe(`/api/s/${open.token}/images/${view.images[0]!.id}/file?variant=original`)
    const original = await fetch(`/api/s/${open.token}/images/${id}/file?variant=original`)
    expect(original.status).toBe(200)
    expectShareHeaders(original)
    const mine = await fetch(owner.images[0]!.url, { headers: bearer(owner.token) })
    expect(Buffer.from(await original.arrayBuffer())).toEqual(Buffer.from(await mine.arrayBuffer()))
  })

  it('gets 404 for a photo that is not in the share, and a 400 for an unknown variant', async () => {
    const share = await makeShare(owner.token, { image_id: owner.images[0]!.id, allow_download: true })
    await expectApiError(await fetch(`/api/s/${share.token}/images/${owner.images[1]!.id}/file?variant=thumb`), 404, 'IMAGE_NOT_FOUND')
    await expectApiError(await fetch(`/api/s/${share.token}/images/${other.images[0]!.id}/file?variant=thumb`), 404, 'IMAGE_NOT_FOUND')
    await expectApiError(await fetch(`/api/s/${share.token}/images/${owner.images[0]!.id}/file?variant=huge`), 400, 'VALIDATION_ERROR')
  })

  it.each([
    ['an unknown token', 'A'.repeat(43)],
    ['a token one character short', 'A'.repeat(42)],
    ['a token with characters outside base64url', `${'A'.repeat(42)}.`],
  ])('gets 404 SHARE_NOT_FOUND for %s, with the share headers', async (_, token) => {
    const res = await openShare(token)
    expectShareHeaders(res)
    await expectApiError(res, 404, 'SHARE_NOT_FOUND')
    await expectApiError(await fetch(`/api/s/${token}/images/1/file?variant=thumb`), 404, 'SHARE_NOT_FOUND')
    await expectApiError(await unlock(token, 'whatever1'), 404, 'SHARE_NOT_FOUND')
  })

  it('gets a 4xx, never a 5xx, for a 10 kB token', async () => {
    const res = await openShare('A'.repeat(10_240))
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
    await res.arrayBuffer()
  })
})

async function expectDenied(response: Promise<Response>, status: number, code: string): Promise<Response> {
  const res = await response
  await expectApiError(res.clone(), status, code)
  return res
}

describe('a password-protected link', () => {
  it('asks for the password (401), refuses a wrong one (401) and opens with the right one through a share-bound cookie', async () => {
    const share = await makeShare(owner.token, { album_id: albumId, password: 'open sesame', expires_in: 600 })
    await expectApiError(await openShare(share.token), 401, 'SHARE_PASSWORD_REQUIRED')
    await expectApiError(await fetch(`/api/s/${share.token}/images/${owner.images[0]!.id}/file?variant=thumb`), 401, 'SHARE_PASSWORD_REQUIRED')
    await expectApiError(await unlock(share.token, 'open says me', '10.9.0.1'), 401, 'SHARE_PASSWORD_WRONG')
    await expectApiError(await unlock(share.token, 12345678, '10.9.0.1'), 400, 'VALIDATION_ERROR')
    const res = await unlock(share.token, 'open sesame', '10.9.0.1')
    expect(res.status).toBe(200)
    expectShareHeaders(res)
    const { pair, attributes } = cookieOf(res)
    expect(pair).toMatch(new RegExp(`^gallery_share_${share.id}=`))
    expect(attributes).toMatch(/HttpOnly/i)
    expect(attributes).toMatch(/SameSite=Lax/i)
    expect(attributes).toMatch(/Path=\/(;|$)/)
    const maxAge = Number(/Max-Age=(\d+)/i.exec(attributes)?.[1])
    expect(maxAge).toBeGreaterThan(500)
    expect(maxAge).toBeLessThanOrEqual(600)
    const view = await openShare(share.token, '', { cookie: pair })
    expect(view.status).toBe(200)
    expect((await view.json() as SharedViewDto).images).toHaveLength(3)
    expect((await fetch(`/api/s/${share.token}/images/${owner.images[0]!.id}/file?variant=thumb`, { headers: { cookie: pair } })).status).toBe(200)

    // The cookie opens that share only: another link to the same album with the same password stays locked.
    const twin = await makeShare(owner.token, { album_id: albumId, password: 'open sesame' })
    const forged = pair.replace(`gallery_share_${share.id}=`, `gallery_share_${twin.id}=`)
    await expectApiError(await openShare(twin.token, '', { cookie: `${pair}; ${forged}` }), 401, 'SHARE_PASSWORD_REQUIRED')
  })

  it('answers an unlock of a link without a password with its expiry, and sets no cookie', async () => {
    const share = await makeShare(owner.token, { album_id: albumId })
    const res = await unlock(share.token, 'anything at all')
    expect(res.status).toBe(200)
    expect(res.headers.getSetCookie()).toEqual([])
  })
})

describe('the owner', () => {
  it('lists its links newest first with views, status and the token again; never another user\'s', async () => {
    const share = await makeShare(owner.token, { image_id: owner.images[2]!.id, password: 'open sesame' })
    const theirs = await makeShare(other.token, { image_id: other.images[0]!.id })
    const res = await fetch('/api/shares', { headers: bearer(owner.token) })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const list = await res.json() as ShareDto[]
    expect(list[0]).toMatchObject({ id: share.id, token: share.token, url: share.url, has_password: true, status: 'active', view_count: 0, last_viewed_at: null, title: 'c.png', target: { kind: 'image', id: owner.images[2]!.id } })
    expect(list.map(s => s.id)).not.toContain(theirs.id)
    // Newest first is by creation time (ties: higher id first). Ids alone need not follow it: links
    // made in parallel by earlier tests can take their ids and their timestamps in different orders.
    const order = list.map(s => [s.created_at, s.id] as const)
    expect(order).toEqual([...order].sort((a, b) => b[0].localeCompare(a[0]) || b[1] - a[1]))
  })

  it('revokes a link at once: the page, its files and its unlock answer 404; another user gets 404 and changes nothing', async () => {
    const share = await makeShare(owner.token, { album_id: albumId, password: 'open sesame' })
    const cookie = cookieOf(await unlock(share.token, 'open sesame', '10.9.0.2')).pair
    await expectApiError(await fetch(`/api/shares/${share.id}`, { method: 'DELETE', headers: bearer(other.token) }), 404, 'SHARE_NOT_FOUND')
    expect((await openShare(share.token, '', { cookie })).status).toBe(200)
    const res = await fetch(`/api/shares/${share.id}`, { method: 'DELETE', headers: bearer(owner.token) })
    expect(res.status).toBe(200)
    await expectApiError(await openShare(share.token, '', { cookie }), 404, 'SHARE_NOT_FOUND')
    await expectApiError(await fetch(`/api/s/${share.token}/images/${owner.images[0]!.id}/file?variant=thumb`, { headers: { cookie } }), 404, 'SHARE_NOT_FOUND')
    await expectApiError(await unlock(share.token, 'open sesame', '10.9.0.2'), 404, 'SHARE_NOT_FOUND')
    const listed = (await (await fetch('/api/shares', { headers: bearer(owner.token) })).json() as ShareDto[]).find(s => s.id === share.id)
    expect(listed?.status).toBe('ended')
    await expectApiError(await fetch('/api/shares/abc', { method: 'DELETE', headers: bearer(owner.token) }), 400, 'INVALID_SHARE_ID')
  })
})

describe('the end of a link', () => {
  it('answers 410 SHARE_EXPIRED once expired, and its files stop at once', async () => {
    const share = await makeShare(owner.token, { album_id: albumId, allow_download: true })
    expect((await openShare(share.token)).status).toBe(200)
    await expire(share.id)
    const res = await openShare(share.token)
    expectShareHeaders(res)
    await expectApiError(res, 410, 'SHARE_EXPIRED')
    await expectApiError(await fetch(`/api/s/${share.token}/images/${owner.images[0]!.id}/file?variant=thumb`), 410, 'SHARE_EXPIRED')
    await expectApiError(await fetch(`/api/s/${share.token}/images/${owner.images[0]!.id}/file?variant=original`), 410, 'SHARE_EXPIRED')
    const listed = (await (await fetch('/api/shares', { headers: bearer(owner.token) })).json() as ShareDto[]).find(s => s.id === share.id)
    expect(listed?.status).toBe('expired')
  })

  it('ends a photo\'s link when the photo goes to the trash (single delete or batch), for good: a restore does not revive it', async () => {
    const member = await memberWith(['one.png', 'two.png', 'three.png'])
    const [one, two, three] = member.images as [typeof member.images[0], typeof member.images[0], typeof member.images[0]]
    const single = await makeShare(member.token, { image_id: one.id })
    const batch = await makeShare(member.token, { image_id: two.id })
    const album = await newAlbum(member, [one.id, two.id, three.id])
    const albumShare = await makeShare(member.token, { album_id: album })
    expect((await fetch(`/api/images/delete/${one.id}`, { method: 'DELETE', headers: bearer(member.token) })).status).toBe(200)
    expect((await sendJson('POST', '/api/images/batch', member.token, { action: 'trash', image_ids: [two.id] })).status).toBe(200)
    await expectApiError(await openShare(single.token), 404, 'SHARE_NOT_FOUND')
    await expectApiError(await openShare(batch.token), 404, 'SHARE_NOT_FOUND')
    // The album's link stays, without the trashed photos or their files.
    const view = await (await openShare(albumShare.token)).json() as SharedViewDto
    expect(view.images.map(i => i.id)).toEqual([three.id])
    await expectApiError(await fetch(`/api/s/${albumShare.token}/images/${one.id}/file?variant=thumb`), 404, 'IMAGE_NOT_FOUND')
    const ended = await query<{ id: number, ended_at: Date | null }>('SELECT id, ended_at FROM shares WHERE id IN (?)', [[single.id, batch.id]])
    expect(ended.every(row => row.ended_at !== null)).toBe(true)

    expect((await sendJson('POST', '/api/trash/restore', member.token, { image_ids: [one.id, two.id] })).status).toBe(200)
    await expectApiError(await openShare(single.token), 404, 'SHARE_NOT_FOUND')
    await expectApiError(await openShare(batch.token), 404, 'SHARE_NOT_FOUND')
    expect((await (await openShare(albumShare.token)).json() as SharedViewDto).images).toHaveLength(3)
  })

  it('answers 404 for the links of a disabled account while it is disabled', async () => {
    const member = await memberWith(['d.png'])
    const share = await makeShare(member.token, { image_id: member.images[0]!.id })
    await query('UPDATE users SET disabled_at = CURRENT_TIMESTAMP(3) WHERE id = ?', [member.id])
    await expectApiError(await openShare(share.token), 404, 'SHARE_NOT_FOUND')
    await expectApiError(await fetch(`/api/s/${share.token}/images/${member.images[0]!.id}/file?variant=thumb`), 404, 'SHARE_NOT_FOUND')
    await query('UPDATE users SET disabled_at = NULL WHERE id = ?', [member.id])
    expect((await openShare(share.token)).status).toBe(200)
  })

  it('ends an album\'s links when the album is deleted', async () => {
    const member = await memberWith(['x.png'])
    const album = await newAlbum(member, [member.images[0]!.id])
    const share = await makeShare(member.token, { album_id: album })
    expect((await fetch(`/api/albums/${album}`, { method: 'DELETE', headers: bearer(member.token) })).status).toBe(200)
    await expectApiError(await openShare(share.token), 404, 'SHARE_NOT_FOUND')
    await expectApiError(await fetch(`/api/s/${share.token}/images/${member.images[0]!.id}/file?variant=thumb`), 404, 'SHARE_NOT_FOUND')
  })
})
