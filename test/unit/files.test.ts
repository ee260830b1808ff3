import { mkdtempSync } from 'node:fs'
import { rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { inspectImage } from '../../server/features/images/inspect'
import { contentDisposition, parseRange } from '../../server/features/images/serve'
import { allowedExtension, cleanFilename } from '../../server/features/images/receive'
import { blankBilevelPng } from '../support/images'

// inspectImage reads the configuration on first use: a pixel limit of one megapixel, a scratch upload folder.
const scratch = mkdtempSync(join(tmpdir(), 'gallery-unit-files-'))
process.env.MAX_IMAGE_PIXELS = String(1000 * 1000)
process.env.UPLOAD_FOLDER = scratch
process.env.GALLERY_DATA_DIR = join(scratch, 'data')
afterAll(() => rm(scratch, { recursive: true, force: true }))

describe('upload names', () => {
  it.each([
    ['photo.png', 'png'],
    ['PHOTO.JPG', 'jpg'],
    ['a.jpeg', 'jpeg'],
    ['a.gif', 'gif'],
    ['x.php.png', 'png'],
    ['x.png.php', undefined],
    ['noext', undefined],
    ['a.svg', undefined],
    ['a.webp', undefined],
  ])('%s has allowed extension %s', (name, ext) => {
    expect(allowedExtension(name)).toBe(ext)
  })

  it.each([
    ['../../x.png', 'x.png'],
    ['..\\..\\x.png', 'x.png'],
    ['/etc/x.png', 'x.png'],
    ['C:\\Users\\me\\pic.png', 'pic.png'],
    ['  spaced.png  ', 'spaced.png'],
    ['rtl\u202Egnp.exe', 'rtlgnp.exe'],
    ['nul\u0000.png', 'nul.png'],
    ['cafe\u0301.png', 'caf\u00e9.png'],
    ['', ''],
  ])('cleans %j to %j', (raw, clean) => {
    expect(cleanFilename(raw)).toBe(clean)
  })

  it('shortens a very long name to 255 characters and keeps the extension', () => {
    const clean = cleanFilename('图'.repeat(400) + '.png')
    expect([...clean].length).toBe(255)
    expect(clean.endsWith('.png')).toBe(true)
  })
})

describe('serving', () => {
  it.each([
    ['bytes=0-9', { start: 0, end: 9 }],
    ['bytes=90-', { start: 90, end: 99 }],
    ['bytes=-10', { start: 90, end: 99 }],
    ['bytes=50-500', { start: 50, end: 99 }],
    ['bytes=100-', null],
    ['bytes=5-2', null],
    ['bytes=0-1,5-6', undefined],
    ['items=0-1', undefined],
    [undefined, undefined],
  ])('parses Range %j of a 100-byte file as %j', (header, range) => {
    expect(parseRange(header, 100)).toEqual(range)
  })

  it('encodes the display name per RFC 6266/5987 with a safe ASCII fallback', () => {
    expect(contentDisposition('照片 "a".jpg')).toBe(`inline; filename="__ _a_.jpg"; filename*=UTF-8''%E7%85%A7%E7%89%87%20%22a%22.jpg`)
    expect(contentDisposition('plain.png')).toBe(`inline; filename="plain.png"; filename*=UTF-8''plain.png`)
  })
})

/** A PNG file whose header declares width × height 1-bit pixels (tiny on disk whatever it declares). */
async function pngDeclaring(width: number, height: number): Promise<string> {
  const file = join(scratch, `${width}x${height}.png`)
  await writeFile(file, blankBilevelPng(width, height))
  return file
}

describe('pixel limit (MAX_IMAGE_PIXELS = 1 000 000), decided from the header\'s numbers', () => {
  it.each([
    [1000, 1000],
    [4000, 250],
    [2000, 500],
  ])('accepts %i×%i (at the limit) and makes its thumbnail', async (width, height) => {
    const image = await inspectImage(await pngDeclaring(width, height), 'png')
    expect(image).toMatchObject({ contentType: 'image/png', width, height })
    expect((await stat(image.thumbFile)).size).toBeGreaterThan(0)
    await rm(image.thumbFile)
  })

  it.each([
    [1001, 1000],
    [1000, 1001],
    [20_000, 20_000], // over sharp's own default limit too
  ])('refuses %i×%i with 400 IMAGE_TOO_LARGE', async (width, height) => {
    await expect(inspectImage(await pngDeclaring(width, height), 'png')).rejects.toMatchObject({ statusCode: 400, data: { code: 'IMAGE_TOO_LARGE' } })
  })
})
