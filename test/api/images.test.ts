import { createHash } from 'node:crypto'
import { fetch } from '@nuxt/test-utils/e2e'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { bearer, makeImage, signUp, upload } from '../setup/api'
import { startServer } from '../setup/server'
import { listFiles as listStored, readStored } from '../support/files'
import type { ImageDto } from '../../shared/contracts/images'
import { thumbnailsMade } from '../support/db'

const { uploadFolder } = await startServer()

/** What the server stores (files on fs, objects on S3), as storage keys. */
const listFiles = async (dir: string): Promise<string[]> => (await listStored(dir)).filter(f => !f.endsWith('.gitkeep'))

describe('upload', () => {
  it('stores a PNG under a random name, records its size and dimensions, and makes a thumbnail', async () => {
    const { token } = await signUp()
    const bytes = await makeImage('png', 640, 480)
    const res = await upload(token, bytes, 'holiday.png')
    expect(res.status).toBe(201)
    const body = await res.json()
    expect(body.message).toBe('图片上传成功')
    expect(body.image).toMatchObject({ filename: 'holiday.png', content_type: 'image/png', size: bytes.length, width: 640, height: 480 })
    expect(body.image.filepath).toBe(`/api/images/${body.image.id}/file`)
    const files = await listFiles(uploadFolder)
    const stored = files.filter(f => f.endsWith('.png'))
    expect(stored.some(f => f.includes('holiday'))).toBe(false)
    const thumb = await fetch(body.image.thumbnail_url, { headers: bearer(token) })
    expect(thumb.status).toBe(200)
    expect(thumb.headers.get('content-type')).toBe('image/webp')
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()
    expect(meta.format).toBe('webp')
    expect(Math.max(meta.width!, meta.height!)).toBe(480)
  })

  it.each([['jpeg', 'photo.JPG'], ['jpeg', 'photo.jpeg'], ['gif', 'anim.gif']] as const)('accepts %s as %s', async (format, name) => {
    const { token } = await signUp()
    const res = await upload(token, await makeImage(format), name)
    expect(res.status).toBe(201)
  })

  it('keeps both files when two users upload the same file name', async () => {
    const a = await signUp()
    const b = await signUp()
    const bytesA = await makeImage('png', 32, 32, '#ff0000')
    const bytesB = await makeImage('png', 32, 32, '#0000ff')
    const imgA = (await (await upload(a.token, bytesA, 'photo.png')).json()).image
    const imgB = (await (await upload(b.token, bytesB, 'photo.png')).json()).image
    const gotA = Buffer.from(await (await fetch(imgA.url, { headers: bearer(a.token) })).arrayBuffer())
    const gotB = Buffer.from(await (await fetch(imgB.url, { headers: bearer(b.token) })).arrayBuffer())
    expect(gotA.equals(bytesA)).toBe(true)
    expect(gotB.equals(bytesB)).toBe(true)
  })

  it('answers 400 请选择文件 when the file field is missing', async () => {
    const { token } = await signUp()
    const form = new FormData()
    form.append('other', 'x')
    const res = await fetch('/api/images/upload', { method: 'POST', headers: bearer(token), body: form })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ message: '请选择文件', code: 'NO_FILE' })
  })

  it.each([
    ['a text file', Buffer.from('hello world'), 'notes.txt'],
    ['HTML named .png', Buffer.from('<html><script>alert(1)</script></html>'), 'evil.png'],
    ['a JPEG named .png', null, 'mismatch.png'],
  ])('answers 415 不允许的文件类型 for %s and stores nothing', async (_, bytes, name) => {
    const { token } = await signUp()
    const before = await listFiles(uploadFolder)
    const res = await upload(token, bytes ?? await makeImage('jpeg'), name)
    expect(res.status).toBe(415)
    expect(await res.json()).toEqual({ message: '不允许的文件类型', code: 'UNSUPPORTED_TYPE' })
    expect(await listFiles(uploadFolder)).toEqual(before)
    expect(await (await fetch('/api/images', { headers: bearer(token) })).json()).toEqual([])
  })

  it('answers 413 for a file over 16 MiB and leaves no file or row', async () => {
    const { token } = await signUp()
    const before = await listFiles(uploadFolder)
    const big = Buffer.alloc(16 * 1024 * 1024 + 1, 0)
    big.set(await makeImage('png'), 0)
    const res = await upload(token, big, 'big.png')
    expect(res.status).toBe(413)
    expect((await res.json()).code).toBe('FILE_TOO_LARGE')
    expect(await listFiles(uploadFolder)).toEqual(before)
    expect(await (await fetch('/api/images', { headers: bearer(token) })).json()).toEqual([])
  })

  it('answers 401 without a token', async () => {
    const res = await upload('', await makeImage(), 'a.png')
    expect(res.status).toBe(401)
  })
})

describe('list', () => {
  it('lists only the caller\'s images, newest first, with paging and a Link header', async () => {
    const { token } = await signUp()
    const other = await signUp()
    await upload(other.token, await makeImage(), 'theirs.png')
    const ids: number[] = []
    for (let i = 0; i < 5; i++) ids.push((await (await upload(token, await makeImage(), `p${i}.png`)).json()).image.id)
    const first = await fetch('/api/images?limit=2', { headers: bearer(token) })
    expect(first.status).toBe(200)
    const page1 = await first.json()
    expect(page1.map((i: ImageDto) => i.id)).toEqual([ids[4], ids[3]])
    expect(page1[0]).toMatchObject({ filename: 'p4.png', content_type: 'image/png' })
    expect(Object.keys(page1[0]).sort()).toEqual(['camera', 'content_type', 'created_at', 'favorite', 'filename', 'filepath', 'height', 'id', 'size', 'taken_at', 'thumbnail_url', 'url', 'width'])
    const link = first.headers.get('link')
    expect(link).toBe(`</api/images?limit=2&before=${ids[3]}>; rel="next"`)
    const page2 = await (await fetch(`/api/images?limit=2&before=${ids[3]}`, { headers: bearer(token) })).json()
    expect(page2.map((i: ImageDto) => i.id)).toEqual([ids[2], ids[1]])
    const last = await fetch(`/api/images?limit=2&before=${ids[1]}`, { headers: bearer(token) })
    expect((await last.json()).map((i: ImageDto) => i.id)).toEqual([ids[0]])
    expect(last.headers.get('link')).toBeNull()
  })

  it.each(['0', '101', 'abc', '-1'])('refuses limit=%s with 400', async (limit) => {
    const { token } = await signUp()
    const res = await fetch(`/api/images?limit=${limit}`, { headers: bearer(token) })
    expect(res.status).toBe(400)
    expect((await res.json()).code).toBe('INVALID_QUERY')
  })
})

describe('file', () => {
  it('serves the original with its type, nosniff, inline disposition, ETag, 304 and ranges', async () => {
    const { token } = await signUp()
    const bytes = await makeImage('jpeg', 200, 100)
    const image = (await (await upload(token, bytes, '照片 1.jpg')).json()).image
    const res = await fetch(image.url, { headers: bearer(token) })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/jpeg')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('content-disposition')).toBe(`inline; filename="__ 1.jpg"; filename*=UTF-8''${encodeURIComponent('照片 1.jpg')}`)
    expect(res.headers.get('cache-control')).toBe('private, max-age=31536000, immutable')
    const body = Buffer.from(await res.arrayBuffer())
    expect(createHash('sha256').update(body).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'))
    const etag = res.headers.get('etag')!
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/)
    const cached = await fetch(image.url, { headers: { ...bearer(token), 'if-none-match': etag } })
    expect(cached.status).toBe(304)
    const part = await fetch(image.url, { headers: { ...bearer(token), range: 'bytes=0-9' } })
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe(`bytes 0-9/${bytes.length}`)
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(0, 10))).toBe(true)
    const bad = await fetch(image.url, { headers: { ...bearer(token), range: `bytes=${bytes.length + 5}-` } })
    expect(bad.status).toBe(416)
  })
})

describe('isolation', () => {
  it('does not let another user list, fetch or delete an image', async () => {
    const owner = await signUp()
    const intruder = await signUp()
    const image = (await (await upload(owner.token, await makeImage(), 'private.png')).json()).image
    expect(await (await fetch('/api/images', { headers: bearer(intruder.token) })).json()).toEqual([])
    for (const path of [image.url, image.thumbnail_url]) {
      const res = await fetch(path, { headers: bearer(intruder.token) })
      expect(res.status).toBe(404)
      expect(await res.json()).toEqual({ message: '图片不存在', code: 'IMAGE_NOT_FOUND' })
    }
    const del = await fetch(`/api/images/delete/${image.id}`, { method: 'DELETE', headers: bearer(intruder.token) })
    expect(del.status).toBe(404)
    expect((await fetch(image.url, { headers: bearer(owner.token) })).status).toBe(200)
  })
})

describe('delete', () => {
  // SPEC §8: delete moves to the trash; purging (rows and files) is DELETE /api/trash (test/api/trash.test.ts).
  it('moves the image to the trash: gone from the list, files kept and still served to the owner', async () => {
    const { token } = await signUp()
    const before = await listFiles(uploadFolder)
    const image = (await (await upload(token, await makeImage(), 'gone.png')).json()).image
    await thumbnailsMade([image.id])
    expect((await listFiles(uploadFolder)).length).toBe(before.length + 2)
    const res = await fetch(`/api/images/delete/${image.id}`, { method: 'DELETE', headers: bearer(token) })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ message: '图片删除成功' })
    expect(await (await fetch('/api/images', { headers: bearer(token) })).json()).toEqual([])
    expect((await listFiles(uploadFolder)).length).toBe(before.length + 2)
    expect((await fetch(image.url, { headers: bearer(token) })).status).toBe(200)
    const again = await fetch(`/api/images/delete/${image.id}`, { method: 'DELETE', headers: bearer(token) })
    expect(again.status).toBe(404)
  })

  it.each(['abc', '-1', '0', '99999999999'])('answers 400 for the id %s', async (id) => {
    const { token } = await signUp()
    const res = await fetch(`/api/images/delete/${id}`, { method: 'DELETE', headers: bearer(token) })
    expect(res.status).toBe(400)
    expect((await res.json()).code).toBe('INVALID_ID')
  })
})

describe('stored bytes', () => {
  it('keeps the uploaded bytes byte for byte on disk', async () => {
    const { token } = await signUp()
    const bytes = await makeImage('gif', 20, 20)
    await upload(token, bytes, 'same.gif')
    const files = await listFiles(uploadFolder)
    const contents = await Promise.all(files.filter(f => f.endsWith('.gif')).map(f => readStored(uploadFolder, f)))
    expect(contents.some(c => c.equals(bytes))).toBe(true)
  })
})
