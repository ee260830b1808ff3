// Micro-benchmark: the upload path's image work (server/features/images/inspect.ts inspectImage: metadata(),
// then rotate/resize 480/WebP q78) per ~1 MB 2400x1800 JPEG at concurrency 2, by WebP effort
// (4 = sharp's default, what the server uses), and decoding + resizing alone.
//   node bench/micro/thumbnail.mjs
import sharp from 'sharp'
import { rmSync, writeFileSync } from 'node:fs'
import { megabyteJpeg } from '../images.mjs'

sharp.cache(false)
writeFileSync('/tmp/eb.jpg', await megabyteJpeg())
const options = { limitInputPixels: 100_000_000, failOn: 'error' }
for (const effort of [4, 2, 0]) {
  const n = 40
  let i = 0
  let bytes = 0
  const t = performance.now()
  const c0 = process.cpuUsage()
  await Promise.all([0, 1].map(async (w) => {
    while (i < n) {
      i++
      await sharp('/tmp/eb.jpg', options).metadata()
      const info = await sharp('/tmp/eb.jpg', options).rotate().resize({ width: 480, height: 480, fit: 'inside', withoutEnlargement: true }).webp({ quality: 78, effort }).toFile(`/tmp/eb-${w}.webp`)
      bytes = info.size
    }
  }))
  const wall = performance.now() - t
  const cpu = process.cpuUsage(c0)
  console.log(`effort ${effort}: ${(n / wall * 1000).toFixed(1)} images/s, ${((cpu.user + cpu.system) / 1000 / n).toFixed(1)} ms CPU/image, thumbnail ${(bytes / 1024).toFixed(1)} KiB`)
}
{
  const n = 40
  let i = 0
  const t = performance.now()
  const c0 = process.cpuUsage()
  await Promise.all([0, 1].map(async () => {
    while (i < n) {
      i++
      await sharp('/tmp/eb.jpg', options).rotate().resize({ width: 480, height: 480, fit: 'inside' }).raw().toBuffer()
    }
  }))
  const wall = performance.now() - t
  const cpu = process.cpuUsage(c0)
  console.log(`decode + resize only: ${(n / wall * 1000).toFixed(1)} images/s, ${((cpu.user + cpu.system) / 1000 / n).toFixed(1)} ms CPU/image (sharp.concurrency ${sharp.concurrency()})`)
}
for (const f of ['/tmp/eb.jpg', '/tmp/eb-0.webp', '/tmp/eb-1.webp']) rmSync(f, { force: true })
