// The ceilings the app is compared with: a minimal node:http server (its own process) doing the
// same work by hand, with the same mysql2 pool settings as server/infra/db/index.ts.
//
//   GET /list?user=<id>&limit=50  the app's list query (ORDER BY created_at DESC, id DESC LIMIT 51)
//                                 and the same JSON shape, Link and Cache-Control headers
//   GET /list-auth?limit=50       the same, after the app's auth work: HS256 check with node:crypto
//                                 and the indexed session+user lookup (informational ceiling)
//   GET /me                       HS256 check + the session+user lookup of server/features/auth/sessions.ts
//   GET /file                     fs.createReadStream of BASELINE_FILE with Content-Type/Length
//
// These answers re-implement the app's SQL and JSON by hand (a ceiling must not run the app's own
// stack). bench/run.mjs therefore checks, before measuring, that /list, /list-auth (limits 1, 50, 100)
// and /me answer byte for byte what the app's GET /api/images and GET /api/me answer, Link and
// Cache-Control headers included, and fails the run when they do not.
//
// env: PORT, DB_NAME (+ DB_HOST/PORT/USER/PASSWORD), JWT_SECRET_KEY, BASELINE_FILE, BASELINE_FILE_TYPE
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createReadStream, statSync } from 'node:fs'
import { createServer } from 'node:http'
import mysql from 'mysql2/promise'

const env = process.env
const pool = mysql.createPool({
  host: env.DB_HOST ?? '127.0.0.1',
  port: Number(env.DB_PORT ?? 3306),
  user: env.DB_USER ?? 'root',
  password: env.DB_PASSWORD ?? '',
  database: env.DB_NAME,
  connectionLimit: 10,
  connectTimeout: 3000,
  enableKeepAlive: true,
  charset: 'utf8mb4_unicode_ci',
  timezone: 'Z',
  dateStrings: false,
})
pool.on('connection', conn => conn.on('error', () => {}))

const secret = Buffer.from(env.JWT_SECRET_KEY ?? '')
const file = env.BASELINE_FILE
const fileType = env.BASELINE_FILE_TYPE ?? 'application/octet-stream'

const b64json = part => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))

/** HS256 verification by hand: signature, algorithm, exp/iat/sub/jti/sid claims (as server/features/auth/tokens.ts). */
function verify(header) {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '')
  if (!match) return undefined
  const parts = match[1].split('.')
  if (parts.length !== 3) return undefined
  const expected = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest()
  const given = Buffer.from(parts[2], 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
  try {
    if (b64json(parts[0]).alg !== 'HS256') return undefined
    const p = b64json(parts[1])
    const now = Date.now() / 1000
    if (typeof p.exp !== 'number' || p.exp + 5 < now || typeof p.iat !== 'number' || !p.sub || !p.jti) return undefined
    const userId = Number(p.sub)
    if (p.user_id !== userId || typeof p.sid !== 'string') return undefined
    return { userId, sessionId: p.sid, jti: p.jti, exp: p.exp }
  }
  catch {
    return undefined
  }
}

async function sessionUser(claims) {
  const [rows] = await pool.query(
    'SELECT u.id, u.username, u.created_at, u.role, s.id AS session_id, s.jti, s.expires_at FROM sessions s '
    + 'INNER JOIN users u ON u.id = s.user_id '
    + 'WHERE s.id = ? AND s.user_id = ? AND s.jti = ? AND s.expires_at > CURRENT_TIMESTAMP(3) LIMIT 1',
    [claims.sessionId, claims.userId, claims.jti],
  )
  return rows[0]
}

const dto = (row) => {
  const path = `/api/images/${row.id}/file`
  const v = row.sha256.slice(0, 12)
  return {
    id: row.id,
    filename: row.filename,
    filepath: path,
    created_at: row.created_at.toISOString(),
    url: `${path}?v=${v}`,
    thumbnail_url: `${path}?variant=thumb&v=${v}`,
    content_type: row.content_type,
    size: row.size,
    width: row.width,
    height: row.height,
    taken_at: row.taken_at === null ? null : row.taken_at + (row.taken_offset ?? ''),
    favorite: row.favorite === 1,
    camera: row.camera ? JSON.parse(row.camera) : null,
  }
}

async function list(res, userId, limit) {
  const [rows] = await pool.query(
    'SELECT id, user_id, filename, filepath, thumbpath, content_type, size, width, height, sha256, created_at, '
    + 'DATE_FORMAT(taken_at, \'%Y-%m-%dT%H:%i:%s\') AS taken_at, taken_offset, favorite, camera '
    + 'FROM images WHERE user_id = ? AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT ?',
    [userId, limit + 1],
  )
  const page = rows.slice(0, limit)
  const body = JSON.stringify(page.map(dto))
  const headers = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'private, no-cache' }
  if (rows.length > limit) headers.Link = `</api/images?limit=${limit}&before=${page.at(-1).id}>; rel="next"`
  res.writeHead(200, headers)
  res.end(body)
}

const unauthorized = (res) => {
  res.writeHead(401, { 'Content-Type': 'application/json' })
  res.end('{"message":"未登录或登录已过期","code":"UNAUTHORIZED"}')
}

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url, 'http://x')
    const limit = Math.min(100, Math.max(1, Number(url.searchParams.get('limit') ?? 50) || 50))
    if (url.pathname === '/list') return await list(res, Number(url.searchParams.get('user')), limit)
    if (url.pathname === '/list-auth' || url.pathname === '/me') {
      const claims = verify(req.headers.authorization)
      const user = claims && await sessionUser(claims)
      if (!user) return unauthorized(res)
      if (url.pathname === '/list-auth') return await list(res, user.id, limit)
      // What /api/me adds (SPEC §10): usage and quota, two-factor and email, in one query.
      const [[me]] = await pool.query(
        'SELECT u.quota_bytes, u.totp_enabled_at, u.email, u.email_verified_at, '
        + '(SELECT COUNT(*) FROM images WHERE user_id = u.id) AS image_count, '
        + '(SELECT COALESCE(SUM(size), 0) FROM images WHERE user_id = u.id) AS bytes_used, '
        + '(SELECT COUNT(*) FROM recovery_codes WHERE user_id = u.id AND used_at IS NULL) AS codes_left, '
        + '(SELECT value FROM settings WHERE `key` = \'default_quota_bytes\') AS default_quota '
        + 'FROM users u WHERE u.id = ?',
        [user.id],
      )
      const body = JSON.stringify({
        id: user.id,
        username: user.username,
        created_at: user.created_at.toISOString(),
        token_expires_at: new Date(claims.exp * 1000).toISOString(),
        role: user.role,
        bytes_used: Number(me.bytes_used),
        quota_bytes: me.quota_bytes ?? (me.default_quota === null ? null : JSON.parse(me.default_quota)),
        image_count: Number(me.image_count),
        two_factor: me.totp_enabled_at !== null,
        recovery_codes_left: Number(me.codes_left),
        email: me.email_verified_at ? me.email : null,
        email_available: false,
      })
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' })
      return res.end(body)
    }
    if (url.pathname === '/file' && file) {
      const { size } = statSync(file)
      res.writeHead(200, { 'Content-Type': fileType, 'Content-Length': size })
      return createReadStream(file).pipe(res)
    }
    res.writeHead(404).end()
  }
  catch (error) {
    console.error('[baseline]', error)
    if (!res.headersSent) res.writeHead(500)
    res.end()
  }
})
server.keepAliveTimeout = 65_000

server.listen(Number(env.PORT), '127.0.0.1', () => console.log(`[baseline] listening on ${env.PORT}`))

const shutdown = () => {
  server.close()
  server.closeAllConnections()
  pool.end().finally(() => process.exit(0))
  setTimeout(() => process.exit(0), 2000).unref()
}
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
