import { readdir } from 'node:fs/promises'
import { request } from 'node:http'
import { dirname } from 'node:path'
import { fetch, url } from '@nuxt/test-utils/e2e'
import { beforeAll, describe, expect, it } from 'vitest'
import { bearer, makeImage, signUp } from '../setup/api'
import { startServer } from '../setup/server'
import { listImages, userId } from '../support/accounts'
import { imageRows, query, thumbnailsMade } from '../support/db'
import { expectApiError } from '../support/errors'
import { exists, listFiles, tmpFiles, until } from '../support/files'
import { blankBilevelPng, noiseImage } from '../support/images'
import { BOUNDARY, fileEpilogue, filePrologue, multipart, type Part, postUpload, uploadParts } from '../support/multipart'
import { rawRequest } from '../support/rawHttp'

const { uploadFolder } = await startServer()

const MiB = 1024 * 1024

let uploader: { token: string, id: number }
let bystander: { token: string, id: number, images: unknown[] }
let png: Buffer, jpeg: Buffer, gif: Buffer, webp: Buffer, bigPng: Buffer, noisePng: Buffer, noiseJpeg: Buffer

beforeAll(async () => {
  const u = await signUp()
  uploader = { token: u.token, id: await userId(u.token) }
  const b = await signUp()
  png = await makeImage('png', 40, 30)
  jpeg = await makeImage('jpeg', 40, 30)
  gif = await makeImage('gif', 40, 30)
  const sharp = (await import('sharp')).default
  webp = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#808080' } }).webp().toBuffer()
  noisePng = await noiseImage('png')
  noiseJpeg = await noiseImage('jpeg')
  bigPng = await noiseImage('png', 800, 800) // ~1.9 MB
  const res = await uploadParts(b.token, [{ name: 'file', filename: 'bystander.png', type: 'image/png', data: png }])
  expect(res.status).toBe(201)
  // Its thumbnail follows in the background: made before the tests compare the upload folder.
  await thumbnailsMade([(await res.json() as { image: { id: number } }).image.id])
  bystander = { token: b.token, id: await userId(b.token), images: await listImages(b.token) }
})

/**
 * Nothing stored: the upload folder (with `.tmp/`) holds exactly the files it held before, the
 * uploader has no row (API and database), and the bystander's images are unchanged.
 */
async function expectNothingStored(filesBefore: string[]) {
  const settled = await until(async () => JSON.stringify(await listFiles(uploadFolder)) === JSON.stringify(filesBefore), 2000)
  if (!settled) expect(await listFiles(uploadFolder)).toEqual(filesBefore)
  expect(await imageRows(uploader.id)).toBe(0)
  expect(await listImages(uploader.token)).toEqual([])
  expect(await listImages(bystander.token)).toEqual(bystander.images)
}

// ---------------------------------------------------------------------------------------------
// Hand-made hostile images

/** 20000 × 20000 blank pixels: ~50 KB on disk, 400 Mpx decoded. */
const pngBomb = () => blankBilevelPng(20000, 20000)

/** A real small JPEG whose frame header (SOF0) claims 30000×30000 pixels. */
function jpegBomb(small: Buffer): Buffer {
  const bomb = Buffer.from(small)
  const sof = bomb.indexOf(Buffer.from([0xFF, 0xC0]))
  if (sof < 0) throw new Error('no SOF0 marker')
  bomb.writeUInt16BE(30000, sof + 5)
  bomb.writeUInt16BE(30000, sof + 7)
  return bomb
}

/** A GIF whose one frame claims 30000×30000 pixels, with a couple of bytes of image data. */
function gifBomb(): Buffer {
  const le = (n: number) => Buffer.from([n & 0xFF, n >> 8])
  return Buffer.concat([
    Buffer.from('GIF89a', 'latin1'), le(30000), le(30000), Buffer.from([0x80, 0, 0]), Buffer.from([0, 0, 0, 255, 255, 255]),
    Buffer.from([0x2C]), le(0), le(0), le(30000), le(30000), Buffer.from([0]),
    Buffer.from([2, 2, 0x44, 0x01, 0]), Buffer.from([0x3B]),
  ])
}

const PHP = Buffer.from('<?php system($_GET["c"]); ?>\n')
const HTML = Buffer.from('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>')
const SVG = Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>')

const file = (filename: string, data: Buffer, type = 'application/octet-stream'): Part => ({ name: 'file', filename, type, data })
const fileStar = (filename: string, data: Buffer): Part => ({ name: 'file', filenameStar: filename, type: 'application/octet-stream', data })

// ---------------------------------------------------------------------------------------------

describe('refused uploads store nothing', () => {
  it.each<[string, number, string, () => Part[]]>([
    ['a `file` part that is a plain field, not a file', 400, 'NO_FILE', () => [{ name: 'file', data: 'not a file' }]],
    ['a file under another field name', 400, 'NO_FILE', () => [{ name: 'image', filename: 'a.png', type: 'image/png', data: png }]],
    ['an empty file name', 400, 'NO_FILE', () => [file('', png)]],
    ['a file name that is only a path', 400, 'NO_FILE', () => [file('../', png)]],
    ['a file name of only invisible and control characters', 400, 'NO_FILE', () => [fileStar('\u202E\u200F\u0001 ', png)]],
    ['a zero-byte file', 400, 'EMPTY_FILE', () => [file('empty.png', Buffer.alloc(0))]],
    ['HTML named .jpg', 415, 'UNSUPPORTED_TYPE', () => [file('page.jpg', HTML, 'text/html')]],
    ['PHP named .png', 415, 'UNSUPPORTED_TYPE', () => [file('shell.png', PHP)]],
    ['PHP named .gif', 415, 'UNSUPPORTED_TYPE', () => [file('shell.gif', Buffer.concat([Buffer.from('GIF89a'), PHP]))]],
    ['SVG with a script named .png', 415, 'UNSUPPORTED_TYPE', () => [file('vector.png', SVG, 'image/svg+xml')]],
    ['SVG named .svg', 415, 'UNSUPPORTED_TYPE', () => [file('vector.svg', SVG, 'image/svg+xml')]],
    ['plain text named .jpg', 415, 'UNSUPPORTED_TYPE', () => [file('notes.jpg', Buffer.from('hello world, definitely not a JPEG'), 'text/plain')]],
    ['GIF bytes named .jpg', 415, 'UNSUPPORTED_TYPE', () => [file('animation.jpg', gif, 'image/jpeg')]],
    ['PNG bytes named .gif', 415, 'UNSUPPORTED_TYPE', () => [file('picture.gif', png, 'image/gif')]],
    ['WebP bytes named .png', 415, 'UNSUPPORTED_TYPE', () => [file('picture.png', webp, 'image/png')]],
    ['a PNG named .webp', 415, 'UNSUPPORTED_TYPE', () => [file('picture.webp', png, 'image/webp')]],
    ['PHP in x.php.png', 415, 'UNSUPPORTED_TYPE', () => [file('x.php.png', PHP)]],
    ['a PNG in x.png.php', 415, 'UNSUPPORTED_TYPE', () => [file('x.png.php', png)]],
    ['a PNG in x.png.php hidden behind a NUL (x.png\\0.php)', 415, 'UNSUPPORTED_TYPE', () => [fileStar('x.png\u0000.php', png)]],
    ['a PNG named x.png. (trailing dot)', 415, 'UNSUPPORTED_TYPE', () => [file('x.png.', png)]],
    ['a PNG with no extension', 415, 'UNSUPPORTED_TYPE', () => [file('picture', png)]],
    ['a PNG named .htaccess', 415, 'UNSUPPORTED_TYPE', () => [file('.htaccess', png)]],
    ['an executable behind a right-to-left override (\\u202Egnp.exe)', 415, 'UNSUPPORTED_TYPE', () => [fileStar('\u202Egnp.exe', png)]],
    ['the first half of a real PNG', 400, 'INVALID_IMAGE', () => [file('half.png', noisePng.subarray(0, noisePng.length >> 1), 'image/png')]],
    ['the first half of a real JPEG', 400, 'INVALID_IMAGE', () => [file('half.jpg', noiseJpeg.subarray(0, noiseJpeg.length >> 1), 'image/jpeg')]],
    ['two `file` parts', 400, 'TOO_MANY_FILES', () => [file('one.png', png), file('two.png', png)]],
    ['three `file` parts, the first one large', 400, 'TOO_MANY_FILES', () => [file('one.png', bigPng), file('two.png', png), file('three.png', png)]],
    ['more than 30 parts', 400, 'BAD_MULTIPART', () => [...Array.from({ length: 40 }, (_, i) => ({ name: `f${i}`, data: 'x' })), file('late.png', png)]],
  ])('%s: %i %s', async (_, status, code, parts) => {
    const before = await listFiles(uploadFolder)
    await expectApiError(await uploadParts(uploader.token, parts()), status, code)
    await expectNothingStored(before)
  })

  it.each<[string, () => Buffer, string]>([
    ['a PNG declaring 20000×20000 pixels', () => pngBomb(), 'bomb.png'],
    ['a JPEG declaring 30000×30000 pixels', () => jpegBomb(jpeg), 'bomb.jpg'],
    ['a GIF frame declaring 30000×30000 pixels', gifBomb, 'bomb.gif'],
  ])('refuses %s (decompression bomb) quickly with 400 IMAGE_TOO_LARGE', async (_, make, name) => {
    const bytes = make()
    expect(bytes.length).toBeLessThan(100 * 1024)
    const before = await listFiles(uploadFolder)
    const started = Date.now()
    const res = await uploadParts(uploader.token, [file(name, bytes)])
    expect(Date.now() - started).toBeLessThan(3000)
    await expectApiError(res, 400, 'IMAGE_TOO_LARGE')
    await expectNothingStored(before)
  })

  it.each<[string, () => { body: Buffer | string, type: string }, string | RegExp]>([
    ['multipart without a boundary', () => ({ body: multipart([file('a.png', png)]).body, type: 'multipart/form-data' }), 'BAD_MULTIPART'],
    ['an empty boundary', () => ({ body: multipart([file('a.png', png)]).body, type: 'multipart/form-data; boundary=' }), 'BAD_MULTIPART'],
    ['a part header of 100 KB', () => ({ body: multipart([file('a'.repeat(100_000) + '.png', png)]).body, type: `multipart/form-data; boundary=${BOUNDARY}` }), 'BAD_MULTIPART'],
    ['a boundary the body never uses', () => ({ body: multipart([file('a.png', png)], 'other-boundary').body, type: `multipart/form-data; boundary=${BOUNDARY}` }), /^(BAD_MULTIPART|NO_FILE)$/],
    ['a body cut off before the closing boundary', () => ({ body: multipart([file('a.png', png)], BOUNDARY, false).body.subarray(0, 200), type: `multipart/form-data; boundary=${BOUNDARY}` }), 'BAD_MULTIPART'],
    ['an empty multipart body', () => ({ body: '', type: `multipart/form-data; boundary=${BOUNDARY}` }), /^(BAD_MULTIPART|NO_FILE)$/],
    ['a JSON body', () => ({ body: JSON.stringify({ file: png.toString('base64') }), type: 'application/json' }), 'NO_FILE'],
    ['raw PNG bytes', () => ({ body: png, type: 'image/png' }), 'NO_FILE'],
    ['a form-urlencoded body', () => ({ body: `file=${encodeURIComponent(png.toString('latin1'))}`, type: 'application/x-www-form-urlencoded' }), 'NO_FILE'],
    ['text/plain', () => ({ body: 'file', type: 'text/plain' }), 'NO_FILE'],
  ])('refuses %s with 400', async (_, make, code) => {
    const { body, type } = make()
    const before = await listFiles(uploadFolder)
    await expectApiError(await postUpload(uploader.token, body, type), 400, code)
    await expectNothingStored(before)
  })
})

describe('oversized and interrupted uploads', () => {
  const headers = () => ({ ...bearer(uploader.token), 'content-type': `multipart/form-data; boundary=${BOUNDARY}` })

  it.each([
    ['17 MiB', 17 * MiB],
    ['exactly 16 MiB + 1 byte', 16 * MiB + 1],
  ])('answers 413 to a chunked body without Content-Length carrying %s, leaving nothing in .tmp', async (_, size) => {
    const before = await listFiles(uploadFolder)
    function* body() {
      yield filePrologue('huge.png')
      yield png
      let left = size - png.length
      while (left > 0) {
        const n = Math.min(left, 256 * 1024)
        yield Buffer.alloc(n, 0x41)
        left -= n
      }
      yield fileEpilogue()
    }
    const res = await rawRequest('/api/images/upload', { headers: { ...headers(), 'transfer-encoding': 'chunked' }, chunks: body() })
    expect(res.status).toBe(413)
    expect(JSON.parse(res.text)).toEqual({ message: expect.any(String), code: 'FILE_TOO_LARGE' })
    expect(await until(async () => (await tmpFiles(uploadFolder)).length === 0)).toBe(true)
    await expectNothingStored(before)
  })

  it('answers 413 at once to a declared Content-Length far over the limit, before reading the body', async () => {
    const before = await listFiles(uploadFolder)
    const started = Date.now()
    const res = await rawRequest('/api/images/upload', { headers: { ...headers(), 'content-length': String(1024 * MiB) }, chunks: [filePrologue('huge.png'), png], end: false })
    expect(Date.now() - started).toBeLessThan(3000)
    expect(res.status).toBe(413)
    expect(JSON.parse(res.text)).toEqual({ message: expect.any(String), code: 'FILE_TOO_LARGE' })
    await expectNothingStored(before)
  })

  it('leaves no temporary file and no row when the client disconnects mid-upload', async () => {
    const before = await listFiles(uploadFolder)
    const body = Buffer.concat([filePrologue('gone.png'), bigPng, fileEpilogue()])
    const target = new URL(url('/api/images/upload'))
    const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { ...headers(), 'content-length': String(body.length) } })
    req.on('error', () => { /* we hang up ourselves */ })
    req.write(body.subarray(0, body.length >> 1))
    // Wait until the server has started writing the upload to disk, then go away.
    expect(await until(async () => (await tmpFiles(uploadFolder)).length > 0, 3000)).toBe(true)
    req.destroy()
    expect(await until(async () => (await tmpFiles(uploadFolder)).length === 0, 5000)).toBe(true)
    await expectNothingStored(before)
    expect((await fetch('/api/health')).status).toBe(200)
  })
})

describe('hostile file names are kept only as cleaned display names', () => {
  const outside = dirname(uploadFolder)
  let outsideBefore: string[]
  beforeAll(async () => { outsideBefore = (await readdir(outside)).sort() })

  it.each<[string, () => Part, string | ((name: string) => void)]>([
    ['../../x.png', () => file('../../x.png', png), 'x.png'],
    ['..\\..\\x.png', () => fileStar('..\\..\\x.png', png), 'x.png'],
    ['/etc/x.png', () => file('/etc/x.png', png), 'x.png'],
    ['C:\\Windows\\x.png', () => fileStar('C:\\Windows\\x.png', png), 'x.png'],
    ['../../x.png sent as filename*', () => fileStar('../../x.png', png), 'x.png'],
    ['....//....//x.png', () => file('....//....//x.png', png), 'x.png'],
    ['a 300-character ASCII name', () => file('a'.repeat(296) + '.png', png), (name) => {
      expect([...name].length).toBeLessThanOrEqual(255)
      expect(name).toMatch(/^a+\.png$/)
    }],
    ['a 300-character CJK name', () => fileStar('图'.repeat(296) + '.png', png), (name) => {
      expect([...name].length).toBeLessThanOrEqual(255)
      expect(name).toMatch(/^图+\.png$/)
    }],
    ['a 300-character emoji name', () => fileStar('😀'.repeat(296) + '.png', png), (name) => {
      expect([...name].length).toBeLessThanOrEqual(255)
      expect(name).toMatch(/^(😀)+\.png$/u)
    }],
    ['invoice\\u202Efdp.png (right-to-left override)', () => fileStar('invoice\u202Efdp.png', png), 'invoicefdp.png'],
    ['photo\\u202Egnp.exe.png', () => fileStar('photo\u202Egnp.exe.png', png), 'photognp.exe.png'],
    ['isolates and marks around the name', () => fileStar('\u2066a\u2069\u200Fb\u200E\u202Ac\u202C.png', png), 'abc.png'],
    ['a CR/LF header-injection attempt', () => fileStar('a\r\nX-Injected: 1\r\n.png', png), 'aX-Injected: 1.png'],
    ['a decomposed accent (NFC)', () => fileStar('cafe\u0301.png', png), 'caf\u00E9.png'],
    ['x.php\\0.png (NUL removed)', () => fileStar('x.php\u0000.png', png), 'x.php.png'],
  ])('stores %s as a clean name inside the upload folder', async (_, part, expected) => {
    const before = await listFiles(uploadFolder)
    const res = await uploadParts(uploader.token, [part()])
    expect(res.status).toBe(201)
    const { image } = await res.json()
    if (typeof expected === 'string') expect(image.filename).toBe(expected)
    else expected(image.filename)
    // eslint-disable-next-line no-control-regex -- control characters are exactly what must not remain
    expect(image.filename).not.toMatch(/[/\\\u0000-\u001F\u202A-\u202E\u2066-\u2069]/)
    // The bytes went to <user id>/<random>.png and its thumbnail (made in the background), nowhere else.
    await thumbnailsMade([image.id])
    const added = (await listFiles(uploadFolder)).filter(f => !before.includes(f))
    expect(added.sort()).toEqual([expect.stringMatching(new RegExp(`^${uploader.id}/[0-9a-f]{32}\\.png$`)), expect.stringMatching(new RegExp(`^${uploader.id}/[0-9a-f]{32}\\.thumb\\.webp$`))])
    const [row] = await query<{ filepath: string, filename: string }>('SELECT filepath, filename FROM images WHERE id = ?', [image.id])
    expect(row!.filepath).toMatch(new RegExp(`^${uploader.id}/[0-9a-f]{32}\\.png$`))
    expect(row!.filename).toBe(image.filename)
    expect((await readdir(outside)).sort()).toEqual(outsideBefore)
    expect(await exists('/etc/x.png')).toBe(false)
    // Served back under the same name.
    const served = await fetch(image.url, { headers: bearer(uploader.token) })
    expect(served.status).toBe(200)
    const disposition = served.headers.get('content-disposition') ?? ''
    expect(decodeURIComponent(disposition.split('filename*=UTF-8\'\'')[1] ?? '')).toBe(image.filename)
    // Clean up, so the refused-upload cases keep an empty list for this user: delete moves to the
    // trash (SPEC §8), and the same bytes stay a duplicate until they are purged from it too.
    expect((await fetch(`/api/images/delete/${image.id}`, { method: 'DELETE', headers: bearer(uploader.token) })).status).toBe(200)
    const purged = await fetch('/api/trash', { method: 'DELETE', headers: { ...bearer(uploader.token), 'content-type': 'application/json' }, body: JSON.stringify({ image_ids: [image.id] }) })
    expect(purged.status).toBe(200)
  })
})
