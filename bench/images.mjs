// Test images made with sharp: photo-like JPEGs (smooth colour blobs plus grain, so they compress
// like real photos: a 1600×1200 one is ~300 KB) and a PNG of pure noise that stays just under the
// 16 MiB upload limit.
import { randomBytes } from 'node:crypto'
import sharp from 'sharp'

/** A photo-like JPEG: upscaled random colour field (gradients) plus uniform grain of ±`grain`. */
export async function photoJpeg(width, height, { grain = 15, quality = 80 } = {}) {
  const sw = 24
  const sh = 18
  const base = await sharp(randomBytes(sw * sh * 3), { raw: { width: sw, height: sh, channels: 3 } })
    .resize(width, height, { kernel: 'cubic' }).raw().toBuffer()
  const noise = randomBytes(base.length)
  const span = 2 * grain + 1
  for (let i = 0; i < base.length; i++) {
    const v = base[i] + (noise[i] % span) - grain
    base[i] = v < 0 ? 0 : v > 255 ? 255 : v
  }
  return sharp(base, { raw: { width, height, channels: 3 } }).jpeg({ quality }).toBuffer()
}

/** `count` distinct ~300 KB 1600×1200 JPEGs. */
export async function galleryPhotos(count = 6) {
  const photos = []
  for (let i = 0; i < count; i++) photos.push(await photoJpeg(1600, 1200, { grain: 15, quality: 80 }))
  return photos
}

/** A ~1 MB JPEG (2400×1800). */
export const megabyteJpeg = () => photoJpeg(2400, 1800, { grain: 19, quality: 85 })

/** A ~15.3 MiB 27-megapixel JPEG (6000×4500, quality 95): the largest photo an upload takes. */
export const sixteenMegabyteJpeg = () => photoJpeg(6000, 4500, { grain: 26, quality: 95 })

/** A PNG of RGB noise just under `targetBytes` (default 15.9 MiB), for the memory scenario. */
export async function noisePng(targetBytes = Math.round(15.9 * 1024 * 1024)) {
  const width = 2400
  let height = Math.floor(targetBytes / (width * 3 * 1.06))
  for (let attempt = 0; attempt < 6; attempt++) {
    const png = await sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
      .png({ compressionLevel: 1 }).toBuffer()
    if (png.length <= targetBytes && png.length > targetBytes - 200 * 1024) return { png, width, height }
    height = Math.floor(height * targetBytes / png.length) - (png.length > targetBytes ? 4 : 0)
  }
  throw new Error('could not size the noise PNG')
}
