import { createHash } from 'node:crypto'
import { fetch } from '@nuxt/test-utils/e2e'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import type { ImageDto } from '../../shared/contracts/images'
import { bearer, makeImage, signUp, upload } from '../setup/api'
import { startServer } from '../setup/server'
import { query } from '../support/db'
import { readStored, tmpFiles } from '../support/files'
import { exifTags, hasGps, jpegWithBrokenExif, PHONE, photo } from '../fixtures/exif'

// A server whose local time is New York's: a capture time with an offset is sorted in that wall clock.
const SERVER_TZ = 'America/New_York'
const { uploadFolder } = await startServer({ TZ: SERVER_TZ })

interface StoredRow { filepath: string, thumbpath: string, sha256: string, size: number, taken_at: string | null, taken_offset: string | null, sort_at: string, created_at: string, camera: string | null, meta_version: number }

const row = async (id: number) => (await query<StoredRow>(
  `SELECT filepath, thumbpath, sha256, size, DATE_FORMAT(taken_at, '%Y-%m-%d %H:%i:%s') AS taken_at, taken_offset,
     DATE_FORMAT(sort_at, '%Y-%m-%d %H:%i:%s') AS sort_at, DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s') AS created_at, camera, meta_version
   FROM images WHERE id = ?`, [id]))[0]!

async function uploaded(token: string, bytes: Buffer, name = 'photo.jpg'): Promise<ImageDto> {
  const res = await upload(token, bytes, name)
  expect(res.status, await res.clone().text()).toBe(201)
  return (await res.json()).image
}

const bytesOf = async (res: Response) => Buffer.from(await res.arrayBuffer())
const pixels = (bytes: Buffer) => sharp(bytes).raw().toBuffer()

/** The wall clock of an instant in the server's time zone, `YYYY-MM-DD HH:MM:SS`. */
const wallClock = (iso: string) => new Intl.DateTimeFormat('sv-SE', {
  timeZone: SERVER_TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
}).format(new Date(iso))

describe('capture date and camera at upload (SPEC §8)', () => {
  it('reads DateTimeOriginal with its offset and the camera; the sort key is that moment in the server\'s wall clock', async () => {
    const { token } = await signUp()
    const image = await uploaded(token, await photo({ ...PHONE, gps: false }))
    expect(image.taken_at).toBe('2023-04-05T06:07:08+08:00')
    expect(image.camera).toEqual({ make: 'Acme', model: 'Phone 9', lens: 'Acme back camera 4.2mm f/1.8', focal_length: 4.2, aperture: 1.8, exposure_time: 0.00833333, iso: 64 })
    expect(await row(image.id)).toMatchObject({ taken_at: '2023-04-05 06:07:08', taken_offset: '+08:00', sort_at: '2023-04-04 18:07:08', meta_version: 1 })
    const [listed] = await (await fetch('/api/images', { headers: bearer(token) })).json() as ImageDto[]
    expect(listed).toMatchObject({ id: image.id, taken_at: image.taken_at, camera: image.camera })
  })

  it('takes a capture time without an offset as it stands, and keeps missing camera fields null', async () => {
    const { token } = await signUp()
    const image = await uploaded(token, await photo({ make: 'Canon', taken: '2009:12:31 23:59:59' }))
    expect(image.taken_at).toBe('2009-12-31T23:59:59')
    expect(image.camera).toEqual({ make: 'Canon', model: null, lens: null, focal_length: null, aperture: null, exposure_time: null, iso: null })
    expect(await row(image.id)).toMatchObject({ taken_at: '2009-12-31 23:59:59', taken_offset: null, sort_at: '2009-12-31 23:59:59' })
  })

  it('sorts an image without EXIF by its upload time in the server\'s wall clock; taken_at and camera are null', async () => {
    const { token } = await signUp()
    const image = await uploaded(token, await makeImage('png'), 'plain.png')
    expect(image).toMatchObject({ taken_at: null, camera: null })
    const stored = await row(image.id)
    expect(stored).toMatchObject({ taken_at: null, camera: null, meta_version: 1 })
    expect(stored.sort_at).toBe(wallClock(image.created_at))
    expect(stored.sort_at).not.toBe(stored.created_at) // New York is never at UTC's wall clock
  })

  it.each([
    ['a broken Exif segment', jpegWithBrokenExif],
    ['nonsense tag values', () => photo({ make: '   ', taken: 'yesterday at noon', offset: '+99:99', fNumber: '0/0', exposure: '-1/1', iso: '0' })],
  ])('accepts a photo with %s and ignores what it cannot read', async (_name, make) => {
    const { token } = await signUp()
    const image = await uploaded(token, await make())
    expect(image).toMatchObject({ taken_at: null, camera: null })
    expect(await row(image.id)).toMatchObject({ taken_at: null, taken_offset: null, camera: null, meta_version: 1 })
  })
})

describe('GPS removal at upload (SPEC §8)', () => {
  it('stores the original without GPS (EXIF and XMP), other tags and pixels untouched; the hash is of the bytes as uploaded', async () => {
    const { token } = await signUp()
    const sent = await photo({ ...PHONE, xmpGps: true })
    expect(await hasGps(sent)).toBe(true)
    const image = await uploaded(token, sent)
    const stored = await row(image.id)
    expect(stored.sha256).toBe(createHash('sha256').update(sent).digest('hex'))

    const served = await bytesOf(await fetch(image.url, { headers: bearer(token) }))
    const onDisk = await readStored(uploadFolder, stored.filepath)
    expect(served.equals(onDisk)).toBe(true)
    expect(image.size).toBe(onDisk.length)
    expect(stored.size).toBe(onDisk.length)
    expect(await hasGps(onDisk)).toBe(false)
    expect(await exifTags(onDisk)).toMatchObject({ Make: 'Acme', Model: 'Phone 9', DateTimeOriginal: '2023:04:05 06:07:08', OffsetTimeOriginal: '+08:00' })
    expect((await pixels(onDisk)).equals(await pixels(sent))).toBe(true)
    expect(await tmpFiles(uploadFolder)).toEqual([])

    // The thumbnail carries no metadata at all.
    const thumb = await bytesOf(await fetch(image.thumbnail_url, { headers: bearer(token) }))
    const meta = await sharp(thumb).metadata()
    expect({ exif: meta.exif, xmp: meta.xmp, iptc: meta.iptc }).toEqual({ exif: undefined, xmp: undefined, iptc: undefined })

    // Never in an answer either.
    const answers = JSON.stringify([image, await (await fetch('/api/images', { headers: bearer(token) })).json()])
    expect(answers).not.toMatch(/gps|latitude|longitude/i)
  })

  it('recognises a second upload of the same GPS photo as a duplicate (hash of the uploaded bytes, not the stored ones)', async () => {
    const { token } = await signUp()
    const sent = await photo(PHONE)
    const first = await uploaded(token, sent)
    const again = await upload(token, sent, 'again.jpg')
    expect(again.status).toBe(409)
    expect(await again.json()).toMatchObject({ code: 'DUPLICATE_IMAGE', image_id: first.id, in_trash: false })
  })

  it('leaves a photo without GPS byte for byte as uploaded', async () => {
    const { token } = await signUp()
    const sent = await photo({ ...PHONE, gps: false })
    const image = await uploaded(token, sent)
    expect((await readStored(uploadFolder, (await row(image.id)).filepath)).equals(sent)).toBe(true)
  })
})
