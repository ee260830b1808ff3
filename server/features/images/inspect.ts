import { type FileHandle, open, writeFile } from 'node:fs/promises'
import { crc32 } from 'node:zlib'
import sharp, { type Metadata } from 'sharp'
import { useConfig } from '../../infra/config'
import { apiError } from '../../infra/http/errors'
import { removeTemp, tempFileName, uploadTempDir } from '../../infra/tempFiles'
import { unsupportedType } from './receive'
import { thumbnailBytes, withImageSlot } from './variants'

const FORMATS: Record<string, { format: string, contentType: string }> = {
  png: { format: 'png', contentType: 'image/png' },
  jpg: { format: 'jpeg', contentType: 'image/jpeg' },
  jpeg: { format: 'jpeg', contentType: 'image/jpeg' },
  gif: { format: 'gif', contentType: 'image/gif' },
}

/**
 * What the upload learnt of an image. `thumbFile` is set when the thumbnail was made at once (GIFs);
 * otherwise it follows in the background (variants.ts).
 */
export interface InspectedImage { contentType: string, width: number, height: number, thumbFile?: string }

/** Above any dimensions libvips accepts (10 000 000 per side), below Number.MAX_SAFE_INTEGER. */
const HEADER_PIXEL_LIMIT = 2 ** 50

/** Whether a width × height image has more pixels than allowed. */
export const exceedsPixelLimit = (width: number, height: number, maxPixels: number) => width * height > maxPixels

const CHUNK = 1024 * 1024
const EOI = Buffer.from([0xFF, 0xD9])

/**
 * Whether a JPEG is whole: its marker segments lead to a scan, and an end-of-image marker follows
 * the first scan (inside compressed data 0xFF is always escaped, so FF D9 there is the real end; it
 * is looked for from the end backwards, where it is). Bytes after it (phone trailers, a motion
 * photo's video) are allowed.
 */
async function jpegIsWhole(file: string): Promise<boolean> {
  const handle = await open(file, 'r')
  try {
    const size = (await handle.stat()).size
    const head = Buffer.alloc(4)
    let pos = 2 // after SOI, which the header check saw
    for (;;) {
      if (pos + 4 > size) return false
      await handle.read(head, 0, 4, pos)
      const marker = head[1]!
      if (head[0] !== 0xFF || marker === 0xD9) return false
      if (marker === 0xFF) pos += 1 // fill byte
      else if ((marker >= 0xD0 && marker <= 0xD7) || marker === 0x01) pos += 2 // markers without a length
      else {
        pos += 2 + head.readUInt16BE(2)
        if (marker === 0xDA) break
      }
    }
    const buffer = Buffer.allocUnsafe(CHUNK + 1)
    for (let end = size; end > pos;) {
      const start = Math.max(pos, end - CHUNK)
      // One byte beyond the piece, for an FF D9 split between two pieces.
      const { bytesRead } = await handle.read(buffer, 0, Math.min(end + 1, size) - start, start)
      if (buffer.subarray(0, bytesRead).lastIndexOf(EOI) >= 0) return true
      end = start
    }
    return false
  }
  finally {
    await handle.close()
  }
}

/** Reads a file front to back through one 1 MiB buffer. */
class SequentialReader {
  private buffer = Buffer.allocUnsafe(CHUNK)
  private start = 0
  private end = 0
  private offset = 0
  constructor(private handle: FileHandle) {}

  /** Refills the buffer, keeping the unread bytes; false at the end of the file. */
  private async fill(): Promise<boolean> {
    this.buffer.copy(this.buffer, 0, this.start, this.end)
    this.end -= this.start
    this.start = 0
    const { bytesRead } = await this.handle.read(this.buffer, this.end, CHUNK - this.end, this.offset)
    this.offset += bytesRead
    this.end += bytesRead
    return bytesRead > 0
  }

  /** The next `n` (≤ 1 MiB) bytes, copied, or undefined when the file ends first. */
  async take(n: number): Promise<Buffer | undefined> {
    while (this.end - this.start < n) if (!await this.fill()) return undefined
    const bytes = Buffer.from(this.buffer.subarray(this.start, this.start + n))
    this.start += n
    return bytes
  }

  /** Passes the next `n` bytes to `visit` piece by piece; false when the file ends first. */
  async each(n: number, visit: (piece: Buffer) => void): Promise<boolean> {
    while (n > 0) {
      if (this.start === this.end && !await this.fill()) return false
      const piece = this.buffer.subarray(this.start, this.start + Math.min(n, this.end - this.start))
      visit(piece)
      this.start += piece.length
      n -= piece.length
    }
    return true
  }
}

/**
 * Whether a PNG is whole: chunk after chunk up to IEND, each with its CRC right. Damage anywhere
 * in the file fails a CRC, without inflating the image data.
 */
async function pngIsWhole(file: string): Promise<boolean> {
  const handle = await open(file, 'r')
  try {
    const reader = new SequentialReader(handle)
    if (!await reader.take(8)) return false // the signature, which the header check saw
    for (;;) {
      const head = await reader.take(8)
      if (!head) return false
      // The CRC covers the chunk's type and data.
      let crc = crc32(head.subarray(4, 8))
      if (!await reader.each(head.readUInt32BE(0), (piece) => { crc = crc32(piece, crc) })) return false
      const stored = await reader.take(4)
      if (!stored || stored.readUInt32BE(0) !== crc) return false
      if (head.toString('latin1', 4, 8) === 'IEND') return true
    }
  }
  finally {
    await handle.close()
  }
}

/**
 * Checks that the upload really is the image its extension says without decoding its pixels:
 * the header (format, dimensions; pixel bombs refused from its numbers) and the file's structure
 * (a truncated or damaged file is refused). GIFs (small, first frame only) are decoded and get
 * their thumbnail at once; JPEG and PNG thumbnails follow in the background.
 */
export async function inspectImage(file: string, ext: string): Promise<InspectedImage> {
  const expected = FORMATS[ext]!
  const { maxImagePixels } = useConfig()
  // The header is read with a limit no real header reaches (finite: `false` would also lift it for
  // decoding), and the pixel count is judged from its numbers, not from sharp's message text.
  let meta: Metadata
  try { meta = await sharp(file, { limitInputPixels: HEADER_PIXEL_LIMIT, failOn: 'error' }).metadata() }
  catch {
    throw unsupportedType()
  }
  if (meta.format !== expected.format) throw unsupportedType()
  if (!meta.width || !meta.height) throw apiError('INVALID_IMAGE')
  // One frame (animated GIFs: `pageHeight`) is what gets decoded.
  if (exceedsPixelLimit(meta.width, meta.pageHeight ?? meta.height, maxImagePixels)) throw apiError('IMAGE_TOO_LARGE')
  const rotated = (meta.orientation ?? 1) >= 5
  const height = meta.pageHeight ?? meta.height
  const facts = { contentType: expected.contentType, width: rotated ? height : meta.width, height: rotated ? meta.width : height }

  if (meta.format === 'jpeg' || meta.format === 'png') {
    const whole = meta.format === 'jpeg' ? await jpegIsWhole(file) : await pngIsWhole(file)
    if (!whole) throw apiError('INVALID_IMAGE')
    return facts
  }
  const thumbnail = await withImageSlot(async () => {
    try { return await thumbnailBytes(file) }
    catch {
      throw apiError('INVALID_IMAGE')
    }
  })
  // Written by us rather than by libvips, so a full disk surfaces as ENOSPC (507), not as a bad image.
  const thumbFile = tempFileName(await uploadTempDir(), '.webp')
  try { await writeFile(thumbFile, thumbnail, { flag: 'wx' }) }
  catch (error) {
    await removeTemp(thumbFile)
    throw error
  }
  return { ...facts, thumbFile }
}
