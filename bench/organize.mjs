// The organize scenarios of `npm run bench` (issue #13, SPEC §8): the image list's filters
// (`favorite=true`, `q=`, `sort=taken`) and the album page against the plain list on a 10,000-image
// gallery, the 500-id batch, and the query plans MariaDB chooses for each list.
//
// The 10,000 rows are inserted with SQL into the bench database after the server has migrated it:
// the list routes read rows only (no file is opened), and uploading 10,000 photos through the API
// would take ~4 minutes of a 2-core machine. The data is generated from a fixed seed, so every run
// lists the same gallery.
import { createHash } from 'node:crypto'
import { loadavg } from 'node:os'
import mysql from 'mysql2/promise'
import { cannon, cpuMeter, dbSettings, log } from './lib.mjs'

export const ORGANIZE_IMAGES = 10_000
const ALBUM_IMAGES = 2_000
/** Photos are added to the album in this many batches (a batch shares one added_at). */
const ALBUM_BATCHES = 8
const FAVORITE_SHARE = 0.1
const TRASHED_SHARE = 0.01
const CONNECTIONS = 64
const BATCH_IDS = 500
const BATCH_RUNS = 30

/** Words of the generated file names; COMMON is searched in the budget row, RARE in the worst case. */
const WORDS = ['beach', 'mountain', 'birthday', 'family', 'sunset', 'city', 'forest', 'snow', 'wedding', 'garden', 'lake', 'river', 'street', 'market', 'concert', 'museum', 'harbor', 'desert', 'island', 'bridge', 'temple', 'park', 'dinner', 'trip']
const COMMON = 'sunset'
const RARE = 'aurora'

const CAMERAS = [
  { make: 'Apple', model: 'iPhone 15 Pro', lens: 'iPhone 15 Pro back triple camera 6.86mm f/1.78', focal_length: 6.86, aperture: 1.78, exposure_time: 0.008, iso: 64 },
  { make: 'SONY', model: 'ILCE-7M4', lens: 'FE 24-70mm F2.8 GM II', focal_length: 35, aperture: 4, exposure_time: 0.004, iso: 100 },
  { make: 'FUJIFILM', model: 'X-T5', lens: 'XF33mmF1.4 R LM WR', focal_length: 33, aperture: 2, exposure_time: 0.002, iso: 125 },
  { make: 'Canon', model: 'Canon EOS R6', lens: 'RF24-105mm F4 L IS USM', focal_length: 50, aperture: 5.6, exposure_time: 0.01, iso: 400 },
  { make: 'HUAWEI', model: 'P60 Pro', lens: null, focal_length: 6.9, aperture: 1.4, exposure_time: 0.02, iso: 200 },
]

/** mulberry32: a small seeded generator, so the seeded gallery is the same on every run. */
function random(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const pad = (n, width = 2) => String(n).padStart(width, '0')
/** A DATETIME literal of a Date read as UTC (the columns hold wall-clock values; the bench only orders by them). */
const sqlTime = (date, fsp = true) => `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}${fsp ? `.${pad(date.getUTCMilliseconds(), 3)}` : ''}`

/** A file name: two words and a number (60 %), a phone's IMG_ (30 %) or a camera's DSC (10 %); ~0.5 % carry RARE. */
function fileName(rnd, i) {
  const r = rnd()
  const pick = () => WORDS[Math.floor(rnd() * WORDS.length)]
  let name
  if (r < 0.6) name = `${pick()}-${pick()}-${pad(i % 1000, 3)}.jpg`
  else if (r < 0.9) name = `IMG_${pad(Math.floor(rnd() * 10000), 4)}.JPG`
  else name = `DSC0${pad(Math.floor(rnd() * 10000), 4)}.jpg`
  return rnd() < 0.005 ? name.replace(/\.(jpg|JPG)$/, `-${RARE}.$1`) : name
}

/**
 * Inserts ORGANIZE_IMAGES images for `userId` (uploaded over two and a half years, taken over
 * eighteen; ~10 % favourites, ~1 % in the trash, 90 % with a capture date, 70 % with camera facts)
 * and an album holding ALBUM_IMAGES of them, added in ALBUM_BATCHES batches. Returns what the
 * scenarios need: the album id, the searched words and their shares, and BATCH_IDS live
 * non-favourite ids for the batch.
 */
export async function seedOrganize(dbName, userId) {
  const started = Date.now()
  const rnd = random(13)
  const conn = await mysql.createConnection({ ...dbSettings(), database: dbName })
  try {
    const uploadStart = Date.UTC(2023, 0, 1)
    const uploadSpan = 2.5 * 365 * 86_400_000
    const takenStart = Date.UTC(2008, 0, 1)
    const takenSpan = 18 * 365 * 86_400_000
    const rows = []
    for (let i = 0; i < ORGANIZE_IMAGES; i++) {
      // Uploads in order of id, a few milliseconds apart within a session, sessions spread out.
      const createdAt = new Date(uploadStart + Math.floor((i / ORGANIZE_IMAGES) * uploadSpan) + Math.floor(rnd() * 1000))
      const taken = rnd() < 0.9 ? new Date(takenStart + Math.floor(rnd() * takenSpan)) : undefined
      const offset = taken && rnd() < 0.5 ? '+08:00' : null
      const sha256 = createHash('sha256').update(`bench-organize-${userId}-${i}`).digest('hex')
      const landscape = rnd() < 0.7
      rows.push([
        userId, fileName(rnd, i), `${userId}/${sha256}.jpg`, `${userId}/${sha256}.webp`, 'image/jpeg',
        200_000 + Math.floor(rnd() * 6_000_000), landscape ? 4000 : 3000, landscape ? 3000 : 4000, sha256,
        sqlTime(createdAt), taken ? sqlTime(taken, false) : null, offset, sqlTime(taken ?? createdAt),
        rnd() < FAVORITE_SHARE ? 1 : 0, rnd() < TRASHED_SHARE ? sqlTime(new Date(Date.UTC(2025, 6, 1) + Math.floor(rnd() * 86_400_000))) : null,
        rnd() < 0.7 ? JSON.stringify(CAMERAS[Math.floor(rnd() * CAMERAS.length)]) : null, 1,
      ])
    }
    const columns = 'user_id, filename, filepath, thumbpath, content_type, size, width, height, sha256, created_at, taken_at, taken_offset, sort_at, favorite, deleted_at, camera, meta_version'
    for (let at = 0; at < rows.length; at += 1000) {
      await conn.query(`INSERT INTO images (${columns}) VALUES ?`, [rows.slice(at, at + 1000)])
    }
    const ids = (await conn.query('SELECT id, favorite, deleted_at FROM images WHERE user_id = ? ORDER BY id', [userId]))[0]

    // The album: ALBUM_IMAGES distinct images, in ALBUM_BATCHES adds a few days apart.
    const [album] = await conn.query('INSERT INTO albums (user_id, title, description) VALUES (?, ?, ?)', [userId, 'Bench album', '2,000 photos'])
    const shuffled = ids.map(r => r.id)
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1))
      ;[shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]]
    }
    const members = shuffled.slice(0, ALBUM_IMAGES)
    const perBatch = ALBUM_IMAGES / ALBUM_BATCHES
    const links = members.map((imageId, k) => [album.insertId, imageId, sqlTime(new Date(Date.UTC(2025, 0, 1) + Math.floor(k / perBatch) * 3 * 86_400_000))])
    await conn.query('INSERT INTO album_images (album_id, image_id, added_at) VALUES ?', [links])
    // Fresh optimizer statistics, as a gallery that grew to this size would have (InnoDB refreshes
    // them itself after 10 % of a table changed, but in the background).
    await conn.query('ANALYZE TABLE images, album_images, albums')

    const share = async word => Number((await conn.query(`SELECT COUNT(*) AS n FROM images WHERE user_id = ? AND deleted_at IS NULL AND filename LIKE ?`, [userId, `%${word}%`]))[0][0].n)
    const live = ids.filter(r => r.deleted_at === null)
    const liveIds = new Set(live.map(r => r.id))
    const info = {
      images: ids.length,
      live: live.length,
      favorites: live.filter(r => r.favorite).length,
      albumId: album.insertId,
      albumImages: members.length,
      albumLive: members.filter(id => liveIds.has(id)).length,
      common: { word: COMMON, matches: await share(COMMON) },
      rare: { word: RARE, matches: await share(RARE) },
      // Spread over the gallery (every 17th live non-favourite), not one contiguous range.
      batchIds: live.filter(r => !r.favorite).filter((_, k) => k % 17 === 0).slice(0, BATCH_IDS).map(r => r.id),
    }
    info.seconds = (Date.now() - started) / 1000
    log(`organize: inserted ${info.images} images (${info.live} live, ${info.favorites} live favourites; "${COMMON}" in ${info.common.matches}, "${RARE}" in ${info.rare.matches}) and an album of ${info.albumImages} (${info.albumLive} live) in ${info.seconds.toFixed(1)} s`)
    return info
  }
  finally {
    await conn.end()
  }
}

/**
 * The list variants measured side by side. `budget: true` rows must reach 0.8× the plain list's req/s
 * (issue #13); the others are what the web app actually sends (its timeline defaults to
 * sort=taken, so its favourites and search views combine the filters with it) and the worst case
 * of a search, for information.
 */
export function listVariants(seed, only) {
  const list = query => `/api/images?limit=50${query}`
  const all = [
    { name: 'plain', path: list(''), budget: false },
    { name: 'favorite=true', path: list('&favorite=true'), budget: true },
    { name: `q=${COMMON}`, path: list(`&q=${COMMON}`), budget: true },
    { name: 'sort=taken', path: list('&sort=taken'), budget: true },
    { name: 'album page', path: `/api/albums/${seed.albumId}/images?limit=50`, budget: true },
    { name: 'sort=taken&favorite=true', path: list('&sort=taken&favorite=true'), budget: false, note: 'web app favourites view' },
    { name: `sort=taken&q=${COMMON}`, path: list(`&sort=taken&q=${COMMON}`), budget: false, note: 'web app search' },
    { name: `q=${RARE}`, path: list(`&q=${RARE}`), budget: false, note: 'rare word: the scan reads every index entry' },
    // The trash reads the upload-order index too (deleted_at descending), so its plan is watched here.
    { name: 'trash', path: '/api/trash?limit=50', budget: false, note: 'upload-order index, deleted rows' },
  ]
  // --variants=album,taken keeps the plain list (the reference) and the variants whose names contain one of them
  return only ? all.filter((v, i) => i === 0 || only.some(word => v.name.includes(word))) : all
}

/**
 * Fetches each variant's first page, checks it (200, a full page that matches the filter) and adds
 * the second page's path from its `Link: rel="next"` header, as a client would follow it.
 */
async function resolvePages(base, headers, variants) {
  for (const v of variants) {
    const res = await fetch(base + v.path, { headers })
    const body = await res.json()
    if (res.status !== 200) throw new Error(`${v.name}: ${v.path} answered ${res.status}: ${JSON.stringify(body).slice(0, 200)}`)
    const expected = v.name.startsWith(`q=${RARE}`) ? undefined : 50
    if (expected && body.length !== expected) throw new Error(`${v.name}: ${body.length} items, expected ${expected}`)
    if (v.name.includes('favorite=true') && body.some(i => !i.favorite)) throw new Error(`${v.name}: a non-favourite in the page`)
    const word = /q=(\w+)/.exec(v.path)?.[1]
    if (word && body.some(i => !i.filename.toLowerCase().includes(word))) throw new Error(`${v.name}: a name without "${word}"`)
    v.items = body.length
    v.bytes = Buffer.byteLength(JSON.stringify(body))
    const next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1]
    v.next = next
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil(q * values.length) - 1)]
const load = () => loadavg().map(v => v.toFixed(2)).join(' ')

/**
 * `rounds` rounds; in each, every variant's first page and then every second page is measured
 * (`warmup` s, then `duration` s of autocannon at CONNECTIONS), so drift in the shared machine's
 * load reaches all variants alike. Each round's ratio is variant req/s ÷ plain first page req/s of
 * the same round; the report takes medians over rounds.
 */
export async function organizeScenario({ base, token, seed, rounds, warmup, duration, pids, only }) {
  const headers = { authorization: `Bearer ${token}` }
  const variants = listVariants(seed, only)
  await resolvePages(base, headers, variants)
  const targets = [
    ...variants.map(v => ({ variant: v.name, page: 1, path: v.path })),
    ...variants.filter(v => v.next).map(v => ({ variant: v.name, page: 2, path: v.next })),
  ]
  const loads = [load()]
  const runs = targets.map(() => [])
  for (let round = 0; round < rounds; round++) {
    for (const [k, t] of targets.entries()) {
      const options = { url: base + t.path, connections: CONNECTIONS, headers }
      await cannon({ ...options, duration: warmup })
      const meter = cpuMeter(pids())
      const r = await cannon({ ...options, duration })
      const cpu = meter.stop()
      runs[k].push({ rps: r.rps, p50: r.p50, p99: r.p99, errors: r.errors, statuses: r.statuses, cpu })
      log(`organize round ${round + 1}/${rounds}: ${t.variant} page ${t.page}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, errors ${r.errors}; CPU ${Object.entries(cpu).map(([n, v]) => `${n} ${v}%`).join(', ')}`)
    }
    loads.push(load())
  }
  const summary = targets.map((t, k) => {
    const v = variants.find(x => x.name === t.variant)
    const rs = runs[k]
    // against the plain list's page of the same kind (a second page also looks its cursor up)
    const plainRuns = runs[targets.findIndex(x => x.variant === 'plain' && x.page === t.page)]
    const ratios = rs.map((r, round) => r.rps / plainRuns[round].rps)
    const serverMsPerReq = rs.map(r => (r.cpu.server ?? 0) * 10 / Math.max(r.rps, 1))
    const dbMsPerReq = rs.map(r => (r.cpu.db ?? 0) * 10 / Math.max(r.rps, 1))
    return {
      ...t,
      budget: v.budget,
      note: v.note,
      items: t.page === 1 ? v.items : undefined,
      rps: median(rs.map(r => r.rps)),
      p50: median(rs.map(r => r.p50)),
      p99: median(rs.map(r => r.p99)),
      errors: rs.reduce((n, r) => n + r.errors, 0),
      ratio: median(ratios),
      ratios,
      serverMs: median(serverMsPerReq),
      dbMs: median(dbMsPerReq),
      other: median(rs.map(r => r.cpu.other ?? 0)),
      runs: rs,
    }
  })
  return { rounds, warmup, duration, connections: CONNECTIONS, loads, summary, variants: variants.map(({ name, path, next, items, bytes }) => ({ name, path, next, items, bytes })) }
}

/**
 * `POST /api/images/batch` with BATCH_IDS ids, favourite then unfavourite alternately, one request at
 * a time: `rounds` × BATCH_RUNS timed requests after 4 untimed ones. The last request of each round
 * unfavourites, so the gallery ends as seeded.
 */
export async function batchScenario({ base, token, seed, rounds }) {
  const headers = { 'authorization': `Bearer ${token}`, 'content-type': 'application/json' }
  const send = async (action) => {
    const t0 = performance.now()
    const res = await fetch(`${base}/api/images/batch`, { method: 'POST', headers, body: JSON.stringify({ action, image_ids: seed.batchIds }) })
    const body = await res.json()
    const ms = performance.now() - t0
    if (res.status !== 200 || body.count !== seed.batchIds.length) throw new Error(`batch ${action} answered ${res.status}: ${JSON.stringify(body).slice(0, 200)}`)
    return ms
  }
  const actions = ['favorite', 'unfavorite']
  for (let i = 0; i < 4; i++) await send(actions[i % 2])
  const loads = [load()]
  const perRound = []
  for (let round = 0; round < rounds; round++) {
    const times = []
    for (let i = 0; i < BATCH_RUNS; i++) times.push(await send(actions[i % 2]))
    perRound.push(times)
    loads.push(load())
    log(`batch round ${round + 1}/${rounds}: ${BATCH_RUNS} × ${seed.batchIds.length} ids, median ${median(times).toFixed(1)} ms, p90 ${quantile(times, 0.9).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms`)
  }
  const all = perRound.flat()
  return {
    ids: seed.batchIds.length,
    runsPerRound: BATCH_RUNS,
    rounds,
    median: median(perRound.map(t => median(t))),
    p90: median(perRound.map(t => quantile(t, 0.9))),
    roundMedians: perRound.map(t => median(t)),
    roundP90s: perRound.map(t => quantile(t, 0.9)),
    allMedian: median(all),
    max: Math.max(...all),
    loads,
  }
}

// ---------------------------------------------------------------------------------------------
// Query plans: the SQL the app runs, captured from MariaDB's general log

/**
 * Turns MariaDB's general log on (to the mysql.general_log table) for as long as it takes to request
 * each variant's first and second page once, keeps the statements of the bench server's own
 * connections (those whose current database is the bench database), and restores the log settings
 * (and empties the table, which was empty and off before). The log is server-wide, so it stays on
 * for about a second; statements of other databases' connections are dropped unread.
 * Then runs EXPLAIN and ANALYZE FORMAT=JSON of each captured list query in the bench database.
 */
export async function capturePlans({ base, token, seed, dbName, only }) {
  const headers = { authorization: `Bearer ${token}` }
  const variants = listVariants(seed, only)
  await resolvePages(base, headers, variants)
  const admin = await mysql.createConnection({ ...dbSettings(), database: dbName })
  const captured = []
  try {
    const [[before]] = await admin.query('SELECT @@GLOBAL.general_log AS on_, @@GLOBAL.log_output AS output, (SELECT COUNT(*) FROM mysql.general_log) AS rows_')
    if (Number(before.on_) || Number(before.rows_)) throw new Error(`the general log is in use (on=${before.on_}, ${before.rows_} rows in mysql.general_log); not touching it`)
    const ownThreads = async () => (await admin.query('SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()', [dbName]))[0].map(r => r.id)
    // The table keeps insertion order; after each request the bench server's rows not seen before
    // are that request's statements (the log is written before a statement runs, so before the answer).
    let seen = 0
    const newStatements = async () => {
      const threads = await ownThreads()
      const [rows] = await admin.query(
        `SELECT command_type, CONVERT(argument USING utf8mb4) AS argument FROM mysql.general_log WHERE thread_id IN (?)`, [threads.length ? threads : [0]])
      const own = rows.filter(r => r.command_type === 'Query' || r.command_type === 'Execute').map(r => r.argument)
      const fresh = own.slice(seen)
      seen = own.length
      return fresh
    }
    try {
      await admin.query(`SET GLOBAL log_output = 'TABLE'`)
      await admin.query('SET GLOBAL general_log = ON')
      for (const v of variants) {
        for (const [page, path] of [[1, v.path], [2, v.next]]) {
          if (!path) continue
          await newStatements()
          const res = await fetch(base + path, { headers })
          await res.arrayBuffer()
          captured.push({ variant: v.name, page, path, statements: await newStatements() })
        }
      }
    }
    finally {
      await admin.query('SET GLOBAL general_log = OFF')
      await admin.query(`SET GLOBAL log_output = ?`, [before.output])
      await admin.query('TRUNCATE TABLE mysql.general_log')
    }
    for (const c of captured) {
      // The page query: the one that orders (the session and cursor lookups do not).
      c.sql = c.statements.find(s => /order by/i.test(s))
      if (!c.sql) continue
      c.explain = (await admin.query(`EXPLAIN ${c.sql}`))[0]
      const [[analyzed]] = await admin.query(`ANALYZE FORMAT=JSON ${c.sql}`)
      c.analyze = JSON.parse(Object.values(analyzed)[0])
    }
  }
  finally {
    await admin.end()
  }
  log(`organize: captured ${captured.filter(c => c.sql).length} of ${captured.length} list queries from the general log`)
  return captured
}

/** Sums what ANALYZE FORMAT=JSON says about the tables read: rows read per table and whether a filesort ran. */
export function analyzeSummary(node, out = { tables: [], filesort: false, timeMs: undefined }) {
  if (!node || typeof node !== 'object') return out
  if (out.timeMs === undefined && node.query_block?.r_total_time_ms !== undefined) out.timeMs = node.query_block.r_total_time_ms
  if (node.filesort) out.filesort = true
  if (node.table && node.table.table_name) {
    const t = node.table
    const pages = t.r_engine_stats?.pages_accessed
    out.tables.push(`${t.table_name}: ${t.access_type} ${t.key ?? ''}${t.index_condition ? ' with pushed index condition' : ''}, r_rows ${t.r_rows}${t.r_filtered !== undefined && t.r_filtered < 100 ? ` (${Number(t.r_filtered).toFixed(1)} % kept)` : ''}${pages ? `, ${pages} pages` : ''}`)
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === 'table' && value?.table_name) {
      for (const [k2, v2] of Object.entries(value)) if (k2 !== 'table_name' && typeof v2 === 'object') analyzeSummary(v2, out)
    }
    else if (typeof value === 'object') analyzeSummary(value, out)
  }
  return out
}

/** The select list of the images table, shortened in the document (it is the same in every query). */
const shortSql = sql => sql.replace(/^select\s+.*?\s+from\s+/is, 'select <the image columns> from ').replace(/\s+/g, ' ')

// ---------------------------------------------------------------------------------------------
// Report

const f = (v, d = 0) => (v === undefined || v === null || Number.isNaN(v) ? '—' : Number(v).toFixed(d))

/** The `<!-- bench:organize:… -->` block of docs/PERFORMANCE.md. */
export function organizeMarkdown({ date, git, machine, mariadb, seed, organize, batch, plans, quick }) {
  const lines = []
  lines.push(`Last run: **${date}** on commit ${git} — Node ${machine.node}, ${machine.cores} cores, MariaDB ${mariadb}${quick ? ' (a --quick run)' : ''}`
    + '; the schema as migrated.')
  if (seed) {
    lines.push('', `Gallery: ${seed.images.toLocaleString('en')} images inserted with SQL in ${seed.seconds.toFixed(1)} s (${seed.live.toLocaleString('en')} live, ${seed.favorites} live favourites; "${seed.common.word}" in ${seed.common.matches} live names, "${seed.rare.word}" in ${seed.rare.matches}); album of ${seed.albumImages.toLocaleString('en')} photos (${seed.albumLive} live) added in ${ALBUM_BATCHES} batches.`)
  }
  if (organize && !organize.failed) {
    lines.push('', `Lists: ${organize.rounds} round(s); in each, every target ${organize.warmup} s warm-up + ${organize.duration} s of autocannon at ${organize.connections} connections, one after the other. `
    + `Figures are medians over the rounds; ratio = the variant's req/s ÷ the plain list's req/s of the same round and page (first or second; median of the rounds; budget ≥ 80 % for the rows marked). `
    + `Load average (1/5/15 min) before and after each round: ${organize.loads.join(' → ')}.`)
    lines.push('', '| list | page | req/s | p50 ms | p99 ms | errors | ratio to plain | per round | server ms CPU/req | db ms CPU/req | budget | result |', '|---|---|---|---|---|---|---|---|---|---|---|---|')
    for (const s of organize.summary) {
      const isPlain = s.variant === 'plain'
      const budget = s.budget ? '≥ 80 %' : isPlain ? '(reference)' : '(info)'
      const result = s.budget ? (s.ratio >= 0.8 && s.errors === 0 ? 'pass' : 'FAIL') : 'info'
      lines.push(`| ${s.variant}${s.note ? ` (${s.note})` : ''} | ${s.page === 1 ? 'first' : 'second (`before`)'} | ${f(s.rps)} | ${f(s.p50)} | ${f(s.p99)} | ${s.errors} | ${isPlain ? '100 %' : `${f(s.ratio * 100)} %`} | ${s.ratios.map(r => f(r * 100)).join(' / ')} | ${f(s.serverMs, 2)} | ${f(s.dbMs, 2)} | ${budget} | ${result} |`)
    }
  }
  else if (organize?.failed) lines.push('', `Lists: did not run: ${organize.failed}`)
  if (batch && !batch.failed) {
    lines.push('', `Batch: \`POST /api/images/batch\` with ${batch.ids} ids, favourite and unfavourite alternately, one at a time, ${batch.rounds} round(s) of ${batch.runsPerRound} after 4 untimed: `
    + `**median ${f(batch.median, 1)} ms** (rounds ${batch.roundMedians.map(v => f(v, 1)).join(' / ')}), p90 ${f(batch.p90, 1)} ms (rounds ${batch.roundP90s.map(v => f(v, 1)).join(' / ')}), max ${f(batch.max, 1)} ms; `
    + `budget median < 100 ms: **${batch.median < 100 ? 'pass' : 'FAIL'}**. Load average: ${batch.loads.join(' → ')}.`)
  }
  else if (batch?.failed) lines.push('', `Batch: did not run: ${batch.failed}`)
  if (plans?.length) {
    lines.push('', 'Query plans: each list query as the app sent it (captured from MariaDB\'s general log for the bench server\'s connections; the select list of the 17 image columns shortened), `EXPLAIN`, and what `ANALYZE FORMAT=JSON` measured (rows read, filesort, time in the engine). The session lookup and, on second pages, the cursor lookup are primary-key or unique-key reads and are left out.')
    for (const p of plans) {
      lines.push('', `**${p.variant}, ${p.page === 1 ? 'first page' : 'second page'}** — \`GET ${p.path.replace(/^\/api/, '/api')}\``)
      if (!p.sql) {
        lines.push('', `(not captured: ${p.statements?.length ?? 0} statements seen)`)
        continue
      }
      lines.push('', '```sql', shortSql(p.sql), '```', '')
      lines.push('| table | type | key | key_len | ref | rows | Extra |', '|---|---|---|---|---|---|---|')
      for (const e of p.explain) lines.push(`| ${e.table} | ${e.type} | ${e.key ?? ''} | ${e.key_len ?? ''} | ${e.ref ?? ''} | ${e.rows} | ${e.Extra ?? ''} |`)
      const a = analyzeSummary(p.analyze)
      lines.push('', `ANALYZE: ${a.tables.join('; ')}; filesort: ${a.filesort ? 'yes' : 'no'}; ${f(a.timeMs, 2)} ms.`)
    }
  }
  return lines.join('\n')
}
