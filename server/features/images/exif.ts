import { readFile } from 'node:fs/promises'
import exifr from 'exifr'
import { ExifTool } from 'exiftool-vendored'
import type { CameraDto } from '../../../shared/contracts/images'

/** What an upload's metadata says, in the shape the images row stores (SPEC §8). */
export interface ExifFacts {
  /** DateTimeOriginal as the camera wrote it, `YYYY-MM-DD HH:MM:SS` (wall clock), or null. */
  takenAt: string | null
  /** OffsetTimeOriginal (`+08:00`), only alongside a takenAt. */
  takenOffset: string | null
  camera: CameraDto | null
  /** Whether the file carries location tags (EXIF GPS IFD or XMP GPS*) that must not be stored. */
  hasGps: boolean
}

export const NO_FACTS: ExifFacts = Object.freeze({ takenAt: null, takenOffset: null, camera: null, hasGps: false })

/** exifr's output with `mergeOutput: false`: one object per block; anything may be missing or odd. */
export interface RawExif {
  ifd0?: Record<string, unknown>
  exif?: Record<string, unknown>
  gps?: Record<string, unknown>
  xmp?: unknown
}

// Only the blocks we use; raw values (no Date revival: it would read the camera's wall clock in the
// server's time zone) and untranslated numbers. The XMP packet stays a string: it is only searched for
// GPS tags, and exifr would otherwise merge XMP's `exif:` namespace into the EXIF block.
const EXIFR_OPTIONS = {
  tiff: true, exif: true, gps: true, xmp: { parse: false }, // IFD0 is always read
  ifd1: false, interop: false, icc: false, iptc: false, jfif: false, ihdr: false, makerNote: false, userComment: false,
  mergeOutput: false, reviveValues: false, translateValues: false, translateKeys: true, sanitize: true,
} as const

const MAX_TEXT = 100

/** A printable, trimmed string of at most MAX_TEXT characters, or null. */
function text(value: unknown): string | null {
  if (typeof value !== 'string') return null
  // eslint-disable-next-line no-control-regex -- EXIF strings are NUL-padded and may carry any byte
  const clean = value.replace(/[\u0000-\u001F\u007F]/g, '').trim()
  return clean ? [...clean].slice(0, MAX_TEXT).join('') : null
}

/** A finite positive number (the first of a list, as some cameras write ISO), or null. */
function positive(value: unknown): number | null {
  const first = Array.isArray(value) ? value[0] : value
  if (typeof first !== 'number' || !Number.isFinite(first) || first <= 0 || first > 1e6) return null
  // Six significant digits: enough for 1/8000 s, and no 0.30000000000000004 in the DTO.
  return Number(first.toPrecision(6))
}

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate()

/**
 * DateTimeOriginal (`YYYY:MM:DD HH:MM:SS`, sometimes with `-` or `T`, trailing sub-seconds or a zone
 * that OffsetTimeOriginal carries instead) as `YYYY-MM-DD HH:MM:SS`, or null for anything that is not
 * a real date in the DATETIME column's range (`0000:00:00 00:00:00`, blanks, garbage).
 */
export function parseExifDate(value: unknown): string | null {
  if (typeof value !== 'string') return null
  const match = /^\s*(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(value)
  if (!match) return null
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number]
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) return null
  const [, y, mo, d, h, mi, s] = match
  return `${y}-${mo}-${d} ${h}:${mi}:${s}`
}

/** OffsetTimeOriginal (`+08:00`, `-05:30`, `Z`) normalised to `±HH:MM`, or null. */
export function parseExifOffset(value: unknown): string | null {
  if (typeof value !== 'string') return null
  const trimmed = value.trim()
  if (trimmed === 'Z') return '+00:00'
  const match = /^([+-])(\d{2}):?(\d{2})$/.exec(trimmed)
  if (!match) return null
  const [, sign, hours, minutes] = match as unknown as [string, string, string, string]
  if (Number(hours) > 14 || Number(minutes) > 59) return null
  return `${sign}${hours}:${minutes}`
}

/** APEX aperture value (ApertureValue, used when FNumber is missing) as an f-number. */
const apexToFNumber = (av: number | null) => (av === null || av > 64 ? null : Number((2 ** (av / 2)).toFixed(1)))

/**
 * The row's facts from exifr's raw blocks. Tags read: IFD0 Make/Model; EXIF LensModel (else
 * LensMake + nothing: a maker alone is no lens, so null), FocalLength (the real focal length, not
 * FocalLengthIn35mmFormat), FNumber (else the APEX ApertureValue), ExposureTime, ISO (tag 0x8827,
 * PhotographicSensitivity; else ISOSpeed 0x8833), DateTimeOriginal + OffsetTimeOriginal. Never throws.
 */
export function factsFromExif(raw: RawExif | undefined | null): ExifFacts {
  if (!raw || typeof raw !== 'object') return NO_FACTS
  const ifd0 = raw.ifd0 && typeof raw.ifd0 === 'object' ? raw.ifd0 : {}
  const exif = raw.exif && typeof raw.exif === 'object' ? raw.exif : {}
  const camera: CameraDto = {
    make: text(ifd0.Make),
    model: text(ifd0.Model),
    lens: text(exif.LensModel),
    focal_length: positive(exif.FocalLength),
    aperture: positive(exif.FNumber) ?? apexToFNumber(positive(exif.ApertureValue)),
    exposure_time: positive(exif.ExposureTime),
    iso: positive(exif.ISO) ?? positive(exif.ISOSpeed),
  }
  const takenAt = parseExifDate(exif.DateTimeOriginal)
  return {
    takenAt,
    takenOffset: takenAt ? parseExifOffset(exif.OffsetTimeOriginal) : null,
    camera: Object.values(camera).some(v => v !== null) ? camera : null,
    hasGps: hasGpsTags(raw),
  }
}

/** GPS in the EXIF GPS IFD, or any `…:GPS…` property in the XMP packet (exif:GPSLatitude and kin). */
function hasGpsTags(raw: RawExif): boolean {
  const gps = raw.gps && typeof raw.gps === 'object' && Object.keys(raw.gps).length > 0
  return Boolean(gps) || (typeof raw.xmp === 'string' && /:GPS[A-Za-z]/.test(raw.xmp))
}

/** GIFs carry no EXIF (exifr does not read them), but may carry an XMP packet in an application extension. */
const GIF_XMP = Buffer.from('XMP DataXMP', 'latin1')

/**
 * Reads capture date, camera and whether there is GPS from a local file. Unreadable or odd metadata
 * is no metadata: this never throws (an upload never fails because of its EXIF).
 */
export async function readExif(file: string, ext: string): Promise<ExifFacts> {
  try {
    if (ext === 'gif') return (await readFile(file)).includes(GIF_XMP) ? { ...NO_FACTS, hasGps: true } : NO_FACTS
    return factsFromExif(await exifr.parse(file, EXIFR_OPTIONS) as RawExif | undefined)
  }
  catch {
    return NO_FACTS
  }
}

// One exiftool for the process, started on first use (most uploads have no GPS and never start it).
// Two perl processes at most: the machine kind this runs on has two cores. Ended by the `close` hook
// of server/plugins/exiftool.ts, or the perl processes would keep the process alive.
let exiftool: ExifTool | undefined

/** Ends the shared exiftool processes (no-op when none were started). */
export async function endExifTool(): Promise<void> {
  const running = exiftool
  exiftool = undefined
  await running?.end()
}

// `-gps:all=` empties the EXIF GPS IFD; `-xmp:gps*=` the XMP GPS properties (exif:GPSLatitude…).
// Everything else (capture date, camera, ICC profile, orientation) stays; pixels are never re-encoded.
const STRIP_GPS = ['-gps:all=', '-xmp:gps*=', '-overwrite_original']

/**
 * Removes location tags from a local file in place, losslessly, and checks that none are left.
 * Returns false when the file still has GPS afterwards (exiftool refused it): the caller must not store it.
 */
export async function stripGps(file: string, ext: string): Promise<boolean> {
  exiftool ??= new ExifTool({ maxProcs: 2, taskTimeoutMillis: 20_000 })
  try {
    // Minor errors (a slightly broken maker note) would otherwise make exiftool refuse to write at all.
    await exiftool.write(file, {}, { writeArgs: STRIP_GPS, ignoreMinorErrors: true })
  }
  catch {
    // Checked below: an untouched file still has its GPS.
  }
  return !(await readExif(file, ext)).hasGps
}

/**
 * The `sort=taken` key (SPEC §8): the capture time, else the upload time, as the server's local wall
 * clock. The pool talks to the database with `timezone: 'Z'` (a Date's UTC fields are what is
 * stored), so a wall-clock value is returned as a Date whose UTC fields ARE that wall clock, not as
 * the instant. A capture time with an offset is first converted to the server's local time; one
 * without is taken as it stands.
 */
export function sortKey(takenAt: string | null, takenOffset: string | null, createdAt: Date): Date {
  if (!takenAt) return wallClockOf(createdAt)
  const [date, time] = takenAt.split(' ') as [string, string]
  const asUtc = Date.parse(`${date}T${time}Z`)
  if (!takenOffset) return new Date(asUtc)
  const [hours, minutes] = takenOffset.slice(1).split(':').map(Number) as [number, number]
  const offsetMs = (takenOffset.startsWith('-') ? -1 : 1) * (hours * 60 + minutes) * 60_000
  return wallClockOf(new Date(asUtc - offsetMs))
}

/** The server's local wall-clock time of an instant, as a Date whose UTC fields are that wall clock. */
const wallClockOf = (instant: Date) => new Date(instant.getTime() - instant.getTimezoneOffset() * 60_000)
