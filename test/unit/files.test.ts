import { describe, expect, it } from 'vitest'
import { contentDisposition, parseRange } from '../../server/features/images/serve'
import { allowedExtension, cleanFilename } from '../../server/features/images/receive'

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
