import { fetch } from '@nuxt/test-utils/e2e'
import { beforeAll, describe, expect, it } from 'vitest'
import { bearer, makeImage, signUp, upload } from '../setup/api'
import { startServer } from '../setup/server'
import { listImages, userId } from '../support/accounts'
import { imageRows, query, thumbnailsMade } from '../support/db'
import { expectApiError } from '../support/errors'
import { listFiles, storedExists } from '../support/files'

const { uploadFolder } = await startServer()

interface Owner { token: string, id: number, image: { id: number, url: string, thumbnail_url: string } }

let owner: Owner
let intruder: { token: string, id: number }

beforeAll(async () => {
  const o = await signUp()
  const res = await upload(o.token, await makeImage('png', 40, 30), 'mine.png')
  owner = { token: o.token, id: await userId(o.token), image: (await res.json()).image }
  const i = await signUp()
  intruder = { token: i.token, id: await userId(i.token) }
  // The intruder has an image of its own, so its requests reach real rows too.
  const theirs = await upload(i.token, await makeImage('png', 10, 10), 'theirs.png')
  // Both thumbnails made (in the background), so the files on disk stay as they are during the tests.
  await thumbnailsMade([owner.image.id, (await theirs.json()).image.id])
})

/** The owner still has the image: listed, served, its row and both files in place. */
async function expectOwnerKeepsImage() {
  expect((await listImages(owner.token)).map(i => i.id)).toEqual([owner.image.id])
  expect((await fetch(owner.image.url, { headers: bearer(owner.token) })).status).toBe(200)
  expect((await fetch(owner.image.thumbnail_url, { headers: bearer(owner.token) })).status).toBe(200)
  const [row] = await query<{ filepath: string, thumbpath: string }>('SELECT filepath, thumbpath FROM images WHERE id = ? AND user_id = ?', [owner.image.id, owner.id])
  expect(row).toBeDefined()
  expect(await storedExists(uploadFolder, row!.filepath)).toBe(true)
  expect(await storedExists(uploadFolder, row!.thumbpath)).toBe(true)
}

type Route = [name: string, method: string, path: (id: string) => string]

const IMAGE_ROUTES: Route[] = [
  ['GET the file', 'GET', id => `/api/images/${id}/file`],
  ['GET the thumbnail', 'GET', id => `/api/images/${id}/file?variant=thumb`],
  ['HEAD the file', 'HEAD', id => `/api/images/${id}/file`],
  ['DELETE', 'DELETE', id => `/api/images/delete/${id}`],
]

describe('another user\'s image', () => {
  it.each(IMAGE_ROUTES)('%s answers 404 IMAGE_NOT_FOUND and the owner keeps the image', async (_, method, path) => {
    const files = await listFiles(uploadFolder)
    const res = await fetch(path(String(owner.image.id)), { method, headers: bearer(intruder.token) })
    if (method === 'HEAD') expect(res.status).toBe(404)
    else expect(await expectApiError(res, 404)).toEqual({ message: '图片不存在', code: 'IMAGE_NOT_FOUND' })
    await expectOwnerKeepsImage()
    expect(await listFiles(uploadFolder)).toEqual(files)
  })

  it.each(IMAGE_ROUTES.filter(([, method]) => method !== 'HEAD'))('%s answers exactly as for an id that does not exist (no existence oracle)', async (_, method, path) => {
    const theirs = await fetch(path(String(owner.image.id)), { method, headers: bearer(intruder.token) })
    const missing = await fetch(path('2147483647'), { method, headers: bearer(intruder.token) })
    expect(theirs.status).toBe(missing.status)
    expect(await theirs.text()).toBe(await missing.text())
    await expectOwnerKeepsImage()
  })

  it('is never listed for anyone else, however the list is paged', async () => {
    for (const query of ['', '?limit=100', '?limit=1']) {
      const ids = (await (await fetch(`/api/images${query}`, { headers: bearer(intruder.token) })).json()).map((i: { id: number }) => i.id)
      expect(ids).not.toContain(owner.image.id)
    }
  })

  it('cannot serve as another user\'s paging cursor (400, nothing of the owner shown)', async () => {
    const res = await fetch(`/api/images?before=${owner.image.id}`, { headers: bearer(intruder.token) })
    await expectApiError(res, 400, 'INVALID_CURSOR')
    await expectOwnerKeepsImage()
  })
})

describe('concurrent deletes', () => {
  it('lets exactly one of several simultaneous deletes of one image succeed; the others get 404', async () => {
    const image = (await (await upload(intruder.token, await makeImage('png', 8, 8), 'race.png')).json()).image
    const results = await Promise.all(Array.from({ length: 5 }, () => fetch(`/api/images/delete/${image.id}`, { method: 'DELETE', headers: bearer(intruder.token) })))
    expect(results.filter(r => r.status === 200)).toHaveLength(1)
    for (const res of results.filter(r => r.status !== 200)) await expectApiError(res, 404, 'IMAGE_NOT_FOUND')
    expect((await listImages(intruder.token)).map(i => i.id)).not.toContain(image.id)
    // Moved to the trash once (SPEC §8): its files stay until the trash is emptied.
    const [row] = await query<{ deleted: number }>('SELECT deleted_at IS NOT NULL AS deleted FROM images WHERE id = ?', [image.id])
    expect(Number(row!.deleted)).toBe(1)
    expect((await listFiles(uploadFolder)).filter(f => f.startsWith(`${intruder.id}/`))).toHaveLength(4)
    await expectOwnerKeepsImage()
  })
})

describe('malformed image ids', () => {
  const IDS = ['abc', '-1', '0', '1.5', '2147483648', '1e20', '100000000000000000000', '0x10', '+1', '1%20', '%00', '١']
  // test/api/images.test.ts already sends abc, -1 and 0 to DELETE.
  const covered = (method: string, id: string) => method === 'DELETE' && ['abc', '-1', '0'].includes(id)
  const cases = IMAGE_ROUTES.filter(([, m]) => m !== 'HEAD')
    .flatMap(([name, method, path]) => IDS.filter(id => !covered(method, id)).map(id => [name, id, method, path] as const))

  it.each(cases)('%s with the id %s answers 400 INVALID_ID and changes nothing', async (_, id, method, path) => {
    const files = await listFiles(uploadFolder)
    const target = path(/^[\x20-\x7E]*$/.test(id) ? id : encodeURIComponent(id))
    await expectApiError(await fetch(target, { method, headers: bearer(owner.token) }), 400, 'INVALID_ID')
    expect(await listFiles(uploadFolder)).toEqual(files)
    expect(await imageRows(owner.id)).toBe(1)
  })

  it('answers 404 (not 400) for the largest valid id that does not exist', async () => {
    await expectApiError(await fetch('/api/images/2147483647/file', { headers: bearer(owner.token) }), 404, 'IMAGE_NOT_FOUND')
  })
})

describe('the variant query', () => {
  it.each(['', 'THUMB', 'thumbnail', 'thumb%20', '../thumb', 'original%00', 'thumb%00', '<script>', 'webp'])('refuses ?variant=%s with 400 INVALID_VARIANT', async (variant) => {
    const res = await fetch(`${owner.image.url.split('?')[0]}?variant=${variant}`, { headers: bearer(owner.token) })
    await expectApiError(res, 400, 'INVALID_VARIANT')
    await expectOwnerKeepsImage()
  })

  it('refuses a repeated ?variant= with 400', async () => {
    const res = await fetch(`/api/images/${owner.image.id}/file?variant=thumb&variant=original`, { headers: bearer(owner.token) })
    await expectApiError(res, 400, 'INVALID_VARIANT')
    await expectOwnerKeepsImage()
  })
})

describe('the list query', () => {
  it.each([
    ['limit', '1e2'], ['limit', '2.5'], ['limit', '1000000000000'], ['limit', '0x10'],
    ['before', 'abc'], ['before', '0'], ['before', '-5'], ['before', '2147483648'], ['before', '1.5'],
  ])('refuses ?%s=%s with 400', async (name, value) => {
    await expectApiError(await fetch(`/api/images?${name}=${value}`, { headers: bearer(owner.token) }), 400, /^INVALID_(QUERY|CURSOR)$/)
    await expectOwnerKeepsImage()
  })
})

describe('no token', () => {
  it.each<[string, string]>([
    ['GET', '/api/images'],
    ['GET', '/api/me'],
    ['POST', '/api/logout'],
    ['POST', '/api/refresh'],
    ['POST', '/api/images/upload'],
    ...IMAGE_ROUTES.filter(([, m]) => m !== 'HEAD').map(([, method, path]): [string, string] => [method, path('1')]),
  ])('%s %s answers 401', async (method, path) => {
    await expectApiError(await fetch(path, { method }), 401, 'UNAUTHORIZED')
    await expectOwnerKeepsImage()
  })
})
