import { mkdtempSync } from 'node:fs'
import { rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { inspectImage } from '../../server/features/images/inspect'
import { thumbnailBytes } from '../../server/features/images/variants'
import { contentDisposition, parseRange } from '../../server/features/images/serve'
import { allowedExtension, cleanFilename } from '../../server/features/images/receive'
import { blankBilevelPng, noiseImage } from '../support/images'

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
  ])('accepts %i×%i (at the limit), leaves its thumbnail for later, and the thumbnail decodes within the limit', async (width, height) => {
    const file = await pngDeclaring(width, height)
    const image = await inspectImage(file, 'png')
    expect(image).toEqual({ contentType: 'image/png', width, height })
    expect((await thumbnailBytes(file)).length).toBeGreaterThan(0)
  })

  it.each([
    [1001, 1000],
    [1000, 1001],
    [20_000, 20_000], // over sharp's own default limit too
  ])('refuses %i×%i with 400 IMAGE_TOO_LARGE', async (width, height) => {
    await expect(inspectImage(await pngDeclaring(width, height), 'png')).rejects.toMatchObject({ statusCode: 400, data: { code: 'IMAGE_TOO_LARGE' } })
  })
})

describe('whole-file check at upload (structure, no decoding)', () => {
  const MiB = 1024 * 1024
  const save = async (name: string, bytes: Buffer) => {
    const file = join(scratch, name)
    await writeFile(file, bytes)
    return file
  }
  const verdict = (file: string, ext: string) => inspectImage(file, ext).then(() => 'accepted', (error: { data?: { code?: string } }) => error.data?.code)

  it('accepts a whole JPEG and PNG, and a GIF with its thumbnail made at once', async () => {
    expect(await verdict(await save('whole.jpg', await noiseImage('jpeg')), 'jpg')).toBe('accepted')
    expect(await verdict(await save('whole.png', await noiseImage('png')), 'png')).toBe('accepted')
    const gif = await inspectImage(await save('whole.gif', await noiseImage('gif')), 'gif')
    expect((await stat(gif.thumbFile!)).size).toBeGreaterThan(0)
    await rm(gif.thumbFile!)
  })

  it('refuses a JPEG cut anywhere after its header with INVALID_IMAGE', async () => {
    const jpeg = await noiseImage('jpeg', 400, 400)
    for (const keep of [0.5, 0.9]) {
      expect(await verdict(await save(`cut-${keep}.jpg`, jpeg.subarray(0, Math.floor(jpeg.length * keep))), 'jpg')).toBe('INVALID_IMAGE')
    }
    // Only the last byte missing: the end marker is broken.
    expect(await verdict(await save('cut-last.jpg', jpeg.subarray(0, jpeg.length - 1)), 'jpg')).toBe('INVALID_IMAGE')
  })

  it('accepts a JPEG with bytes after its end (a phone trailer or a motion photo) and one whose end marker straddles a 1 MiB read', async () => {
    const jpeg = await noiseImage('jpeg')
    expect(await verdict(await save('trailer.jpg', Buffer.concat([jpeg, Buffer.alloc(3 * MiB, 7)])), 'jpg')).toBe('accepted')
    // The end is looked for backwards in 1 MiB pieces: with 1 MiB − 1 bytes after it, FF ends one piece and D9 starts the next.
    const split = Buffer.concat([jpeg, Buffer.alloc(MiB - 1, 0)])
    expect(split.subarray(split.length - MiB - 1, split.length - MiB + 1)).toEqual(Buffer.from([0xFF, 0xD9]))
    expect(await verdict(await save('split.jpg', split), 'jpg')).toBe('accepted')
  })

  it('refuses a PNG cut short or with one byte changed in its image data (CRC), without decoding it', async () => {
    const png = await noiseImage('png', 400, 400)
    expect(await verdict(await save('cut.png', png.subarray(0, png.length - 20)), 'png')).toBe('INVALID_IMAGE')
    const flipped = Buffer.from(png)
    flipped[Math.floor(png.length / 2)]! ^= 0x01
    expect(await verdict(await save('flipped.png', flipped), 'png')).toBe('INVALID_IMAGE')
  })
})
