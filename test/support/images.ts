import { randomBytes } from 'node:crypto'
import sharp from 'sharp'

/** Random pixels (does not compress away, so a cut really cuts pixel data). */
export function noiseImage(format: 'png' | 'jpeg' | 'gif', width = 160, height = 160): Promise<Buffer> {
  const pixels = randomBytes(width * height * 3)
  return sharp(pixels, { raw: { width, height, channels: 3 } }).toFormat(format).toBuffer()
}
