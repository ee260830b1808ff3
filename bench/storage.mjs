// STORAGE=s3 next to STORAGE=fs (issue 18): the same production build, one server on each, S3 being
// s3rver on loopback (a Node S3 server on the same cores: a pessimistic stand-in for a real one).
// Measures uploads of ~300 KB photos (4 at a time) and the authenticated list.
//
// Thumbnails are made in the background: the list and the original are measured once all are made,
// and the time they took after the last upload's answer is reported.
//
//   node bench/storage.mjs [--quick]   (needs a production build: bench/.tmp/build from bench/run.mjs,
//                                       or bench/.tmp/cluster-build/node-server from bench/cluster.mjs)
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3'
import S3rver from 's3rver'
import {
  adminQuery, cannon, cleanupAll, cpuMeter, freePort, log, multipartBody, onCleanup, pool, postJson, PRODUCTION_NODE_FLAGS, productionServerEnv,
  randomDbName, startProcess, thumbnailsDone, uniqueImage, upload, waitFor200,
} from './lib.mjs'
import { photoJpeg } from './images.mjs'

const ROOT = resolve(import.meta.dirname, '..')
const SERVER = [join(ROOT, 'bench/.tmp/build/output/server/index.mjs'), join(ROOT, 'bench/.tmp/cluster-build/node-server/output/server/index.mjs')]
  .find(path => existsSync(path)) ?? 'bench/.tmp/build/output/server/index.mjs (run node bench/run.mjs first)'
const QUICK = process.argv.includes('--quick')
const UPLOADS = QUICK ? 40 : 120
const DURATION_S = QUICK ? 4 : 10

try {
  const s3dir = await mkdtemp(join(tmpdir(), 'bench-s3rver-'))
  onCleanup(() => rm(s3dir, { recursive: true, force: true }))
  const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3dir })
  const { port: s3port } = await s3.run()
  onCleanup(() => s3.close())
  const endpoint = `http://127.0.0.1:${s3port}`
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }
  await new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials }).send(new CreateBucketCommand({ Bucket: 'bench' }))
  const s3Env = { STORAGE: 's3', S3_ENDPOINT: endpoint, S3_REGION: 'us-east-1', S3_BUCKET: 'bench', S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER', S3_FORCE_PATH_STYLE: 'true' }

  const photo = await photoJpeg(1600, 1200)
  const rows = []
  for (const [name, env] of [['fs', {}], ['s3 (s3rver)', s3Env]]) {
    const dbName = randomDbName()
    onCleanup(() => adminQuery(`DROP DATABASE IF EXISTS \`${dbName}\``))
    const folder = await mkdtemp(join(tmpdir(), 'bench-storage-'))
    onCleanup(() => rm(folder, { recursive: true, force: true }))
    const port = await freePort()
    const proc = startProcess(name, [...PRODUCTION_NODE_FLAGS, SERVER], { env: { ...productionServerEnv(port), DB_NAME: dbName, UPLOAD_FOLDER: folder, LOG_LEVEL: 'warn', ...env } })
    const base = `http://127.0.0.1:${port}`
    await waitFor200(`${base}/api/health`, proc)
    const username = `bench_${randomBytes(4).toString('hex')}`
    await postJson(base, '/api/register', { username, password: 'bench-password-0123' })
    const { token } = (await postJson(base, '/api/login', { username, password: 'bench-password-0123' })).json
    const bodies = Array.from({ length: UPLOADS }, (_, i) => multipartBody(uniqueImage(photo, `${name}${i}`), `p${i}.jpg`, 'image/jpeg'))
    await pool(4, 4, i => upload(base, token, bodies[i])) // warm-up (sharp, exiftool, connections)
    const started = performance.now()
    // CPU of the gallery server apart from the rest: on s3, s3rver runs inside this bench process.
    const meter = cpuMeter({ server: proc.pid })
    await pool(UPLOADS - 4, 4, i => upload(base, token, bodies[i + 4]))
    const seconds = (performance.now() - started) / 1000
    const cpu = meter.stop()
    const serverMsPerUpload = cpu.server * 10 * seconds / (UPLOADS - 4)
    const uploadMBs = (UPLOADS - 4) * photo.length / 1e6 / seconds
    const answered = performance.now()
    await thumbnailsDone(dbName)
    const thumbSeconds = (performance.now() - answered) / 1000
    const list = await cannon({ url: `${base}/api/images?limit=50`, connections: 16, duration: DURATION_S, headers: { authorization: `Bearer ${token}` } })
    const file = await cannon({ url: `${base}/api/images/${(await (await fetch(`${base}/api/images?limit=1`, { headers: { authorization: `Bearer ${token}` } })).json())[0].id}/file`, connections: 16, duration: DURATION_S, headers: { authorization: `Bearer ${token}` } })
    log(`${name}: uploads ${((UPLOADS - 4) / seconds).toFixed(1)}/s (${uploadMBs.toFixed(1)} MB/s), server ${serverMsPerUpload.toFixed(1)} ms CPU per upload, CPU % of a core while uploading: server ${cpu.server}, bench process (client${env.STORAGE ? ' + s3rver' : ''}) ${cpu.bench}, db ${cpu.db}, other ${cpu.other}; thumbnails all made ${thumbSeconds.toFixed(1)} s after the last answer, list ${list.rps.toFixed(0)} req/s p99 ${list.p99} ms, original ${file.rps.toFixed(0)} req/s p99 ${file.p99} ms`)
    rows.push({ name, uploadsPerS: (UPLOADS - 4) / seconds, uploadMBs, thumbSeconds, cpu, serverMsPerUpload, list, file })
    await proc.stop()
  }
  const [fs, s3row] = rows
  console.log([
    '| storage | uploads/s (~300 KB JPEG, 4 at a time) | MB/s | server ms CPU / upload | CPU % server / bench process / db while uploading | thumbnails done after (s) | list req/s | list p99 ms | original req/s | original p99 ms |',
    '|---|---:|---:|---:|---|---:|---:|---:|---:|---:|',
    ...rows.map(r => `| ${r.name} | ${r.uploadsPerS.toFixed(1)} | ${r.uploadMBs.toFixed(1)} | ${r.serverMsPerUpload.toFixed(1)} | ${r.cpu.server} / ${r.cpu.bench} / ${r.cpu.db} | ${r.thumbSeconds.toFixed(1)} | ${r.list.rps.toFixed(0)} | ${r.list.p99} | ${r.file.rps.toFixed(0)} | ${r.file.p99} |`),
    `| s3 ÷ fs | ${(s3row.uploadsPerS / fs.uploadsPerS).toFixed(2)} | | ${(s3row.serverMsPerUpload / fs.serverMsPerUpload).toFixed(2)} | | | ${(s3row.list.rps / fs.list.rps).toFixed(2)} | | ${(s3row.file.rps / fs.file.rps).toFixed(2)} | |`,
  ].join('\n'))
}
finally {
  await cleanupAll()
}
