import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { endExifTool, factsFromExif, NO_FACTS, parseExifDate, parseExifOffset, readExif, sortKey, stripGps, type RawExif } from '../../server/features/images/exif'
import { exifTags, hasGps, jpegWithBrokenExif, PHONE, photo } from '../fixtures/exif'

const NO_CAMERA = { make: null, model: null, lens: null, focal_length: null, aperture: null, exposure_time: null, iso: null }

describe('EXIF → row facts', () => {
  it.each<[string, RawExif | null | undefined, Partial<typeof NO_FACTS>]>([
    ['a phone photo with an offset', {
      ifd0: { Make: 'Apple', Model: 'iPhone 15 Pro' },
      exif: { LensModel: 'iPhone 15 Pro back triple camera 6.86mm f/1.78', FocalLength: 6.86, FNumber: 1.78, ExposureTime: 0.008333333333333333, ISO: 80, DateTimeOriginal: '2023:04:05 06:07:08', OffsetTimeOriginal: '+08:00' },
      gps: { GPSLatitude: [1, 2, 3], latitude: 1.03 },
    }, {
      takenAt: '2023-04-05 06:07:08', takenOffset: '+08:00', hasGps: true,
      camera: { make: 'Apple', model: 'iPhone 15 Pro', lens: 'iPhone 15 Pro back triple camera 6.86mm f/1.78', focal_length: 6.86, aperture: 1.78, exposure_time: 0.00833333, iso: 80 },
    }],
    ['a camera without an offset', {
      ifd0: { Make: 'Canon', Model: 'EOS 5D' }, exif: { DateTimeOriginal: '2009:12:31 23:59:59', FNumber: 2.8, ExposureTime: 0.004 },
    }, {
      takenAt: '2009-12-31 23:59:59', takenOffset: null, hasGps: false,
      camera: { ...NO_CAMERA, make: 'Canon', model: 'EOS 5D', aperture: 2.8, exposure_time: 0.004 },
    }],
    ['only a maker: the other camera fields are null', { ifd0: { Make: 'Nikon' } }, { takenAt: null, camera: { ...NO_CAMERA, make: 'Nikon' } }],
    ['an offset without a date is dropped', { exif: { OffsetTimeOriginal: '+02:00' } }, { takenAt: null, takenOffset: null, camera: null }],
    ['no EXIF at all', undefined, NO_FACTS],
    ['null', null, NO_FACTS],
    ['empty blocks', { ifd0: {}, exif: {}, gps: {} }, NO_FACTS],
    ['the APEX aperture when FNumber is missing, ISOSpeed when ISO is', { exif: { ApertureValue: 4, ISOSpeed: 400 } }, { camera: { ...NO_CAMERA, aperture: 4, iso: 400 } }],
    ['a list of ISO values: the first', { exif: { ISO: [200, 400] } }, { camera: { ...NO_CAMERA, iso: 200 } }],
    ['XMP with a GPS property', { xmp: '<x:xmpmeta><rdf:Description exif:GPSLatitude="1,2N"/></x:xmpmeta>' }, { hasGps: true, camera: null }],
    ['XMP without GPS', { xmp: '<x:xmpmeta><dc:title>GPS of my trip</dc:title></x:xmpmeta>' }, { hasGps: false }],
    ['garbage everywhere', {
      ifd0: { Make: '\u0000\u0000\u0000', Model: 12345 as unknown as string },
      exif: { DateTimeOriginal: '0000:00:00 00:00:00', OffsetTimeOriginal: '+99:00', FNumber: Number.NaN, ExposureTime: -1, FocalLength: 'fifty', ISO: Infinity, LensModel: { evil: true } },
      gps: 'not an object' as unknown as Record<string, unknown>,
    }, NO_FACTS],
    ['a date that does not exist', { exif: { DateTimeOriginal: '2023:02:29 10:00:00', OffsetTimeOriginal: '+01:00' } }, { takenAt: null, takenOffset: null }],
  ])('%s', (_name, raw, expected) => {
    expect(factsFromExif(raw)).toEqual({ ...NO_FACTS, ...expected })
  })

  it('trims NUL padding and control characters, and caps text at 100 characters', () => {
    const facts = factsFromExif({ ifd0: { Make: '  Canon\u0000\u0000', Model: 'x'.repeat(500) } })
    expect(facts.camera?.make).toBe('Canon')
    expect(facts.camera?.model).toBe('x'.repeat(100))
  })

  it.each([
    ['2023:04:05 06:07:08', '2023-04-05 06:07:08'],
    ['2023-04-05T06:07:08', '2023-04-05 06:07:08'],
    ['2023:04:05 06:07:08.123', '2023-04-05 06:07:08'],
    ['2023:04:05 06:07:08+02:00', '2023-04-05 06:07:08'],
    ['2024:02:29 12:00:00', '2024-02-29 12:00:00'],
    ['2023:02:29 12:00:00', null],
    ['2023:13:01 00:00:00', null],
    ['2023:04:05 24:00:00', null],
    ['0999:01:01 00:00:00', null],
    ['    :  :     :  :  ', null],
    ['', null],
    [undefined, null],
    [new Date(0), null],
  ])('reads DateTimeOriginal %j as %j', (value, expected) => {
    expect(parseExifDate(value)).toBe(expected)
  })

  it.each([
    ['+08:00', '+08:00'], ['-05:30', '-05:30'], ['+0545', '+05:45'], ['Z', '+00:00'], [' +01:00 ', '+01:00'],
    ['+15:00', null], ['+08:60', null], ['08:00', null], ['', null], [8, null],
  ])('reads OffsetTimeOriginal %j as %j', (value, expected) => {
    expect(parseExifOffset(value)).toBe(expected)
  })
})

describe('the sort=taken key in the server\'s wall-clock time', () => {
  const savedTz = process.env.TZ
  afterEach(() => { process.env.TZ = savedTz })

  // A Date whose UTC fields are the wall clock (what the pool with timezone 'Z' stores as is).
  const wall = (value: Date) => value.toISOString().slice(0, 19).replace('T', ' ')

  it.each([
    ['Asia/Shanghai', '2023-04-05 06:07:08', '+08:00', '2023-04-05 06:07:08'],
    ['UTC', '2023-04-05 06:07:08', '+08:00', '2023-04-04 22:07:08'],
    ['America/New_York', '2023-04-05 06:07:08', '+08:00', '2023-04-04 18:07:08'],
    ['America/New_York', '2023-01-05 06:07:08', '-03:30', '2023-01-05 04:37:08'],
    ['America/New_York', '2023-04-05 06:07:08', null, '2023-04-05 06:07:08'],
    ['Asia/Shanghai', '2023-04-05 06:07:08', null, '2023-04-05 06:07:08'],
  ])('in %s, %s %s sorts as %s', (tz, takenAt, offset, expected) => {
    process.env.TZ = tz
    expect(wall(sortKey(takenAt, offset, new Date()))).toBe(expected)
  })

  it.each([
    ['UTC', '2024-07-01T12:00:00.250Z', '2024-07-01 12:00:00'],
    ['Asia/Shanghai', '2024-07-01T12:00:00.250Z', '2024-07-01 20:00:00'],
    ['America/New_York', '2024-07-01T12:00:00.250Z', '2024-07-01 08:00:00'],
    ['America/New_York', '2024-01-01T12:00:00.250Z', '2024-01-01 07:00:00'],
  ])('in %s, without a capture date the upload time %s sorts as %s', (tz, createdAt, expected) => {
    process.env.TZ = tz
    const key = sortKey(null, null, new Date(createdAt))
    expect(wall(key)).toBe(expected)
    expect(key.getUTCMilliseconds()).toBe(250)
  })
})

describe('reading and cleaning real files', () => {
  let dir: string
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'exif-unit-')) })
  afterAll(async () => {
    await endExifTool()
    await rm(dir, { recursive: true, force: true })
  })
  const file = async (name: string, bytes: Buffer) => {
    const path = join(dir, name)
    await writeFile(path, bytes)
    return path
  }

  it('reads date, offset, camera and GPS from a JPEG', async () => {
    expect(await readExif(await file('phone.jpg', await photo(PHONE)), 'jpg')).toEqual({
      takenAt: '2023-04-05 06:07:08', takenOffset: '+08:00', hasGps: true,
      camera: { make: 'Acme', model: 'Phone 9', lens: 'Acme back camera 4.2mm f/1.8', focal_length: 4.2, aperture: 1.8, exposure_time: 0.00833333, iso: 64 },
    })
  })

  it.each([
    ['random bytes', () => Promise.resolve(Buffer.from('definitely not an image, just text')), 'jpg'],
    ['a JPEG whose Exif segment is garbage', jpegWithBrokenExif, 'jpg'],
    ['a PNG without metadata', () => sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).png().toBuffer(), 'png'],
    ['a GIF without XMP', () => sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).gif().toBuffer(), 'gif'],
  ])('finds nothing (and does not throw) in %s', async (_name, make, ext) => {
    expect(await readExif(await file(`odd.${ext}`, await make()), ext)).toEqual(NO_FACTS)
  })

  it('finds GPS in XMP alone', async () => {
    expect((await readExif(await file('xmp.jpg', await photo({ make: 'Acme', xmpGps: true })), 'jpg')).hasGps).toBe(true)
  })

  it('removes EXIF and XMP GPS in place, keeping the other tags and the pixels', async () => {
    const original = await photo({ ...PHONE, xmpGps: true })
    const path = await file('strip.jpg', original)
    expect(await stripGps(path, 'jpg')).toBe(true)
    const cleaned = await readFile(path)
    expect(await hasGps(cleaned)).toBe(false)
    expect(await exifTags(cleaned)).toMatchObject({ Make: 'Acme', Model: 'Phone 9', DateTimeOriginal: '2023:04:05 06:07:08', OffsetTimeOriginal: '+08:00', LensModel: PHONE.lens })
    expect((await sharp(cleaned).raw().toBuffer()).equals(await sharp(original).raw().toBuffer())).toBe(true)
  })
})
