// Micro-benchmark: the upload path's image work for one 12-megapixel phone-sized JPEG (4000×3000,
// EXIF orientation 6) — metadata(), then rotate/resize to 480 px/WebP q78 effort 2 as
// server/features/images/inspect.ts does — one image at a time; prints the median of 9 runs.
//   node bench/micro/thumbnail-12mp.mjs
import sharp from 'sharp'

sharp.cache(false)
const width = 4000
const height = 3000
const raw = Buffer.alloc(width * height * 3)
for (let i = 0; i < raw.length; i++) raw[i] = ((i * 7 + (i >> 9)) & 255) ^ (Math.random() * 40)
const jpeg = await sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 88 }).withMetadata({ orientation: 6 }).toBuffer()
const options = { limitInputPixels: 100_000_000, failOn: 'error' }
const times = []
for (let run = 0; run < 9; run++) {
  const started = performance.now()
  await sharp(jpeg, options).metadata()
  await sharp(jpeg, options).rotate().resize({ width: 480, height: 480, fit: 'inside', withoutEnlargement: true }).webp({ quality: 78, effort: 2 }).toBuffer()
  times.push(performance.now() - started)
}
times.sort((a, b) => a - b)
console.log(`12 MP JPEG (${(jpeg.length / 2 ** 20).toFixed(1)} MiB): thumbnail median ${times[4].toFixed(0)} ms (min ${times[0].toFixed(0)}, max ${times.at(-1).toFixed(0)}) over 9 runs`)
