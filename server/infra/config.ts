import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

/**
 * The only reader of the environment. Everything is read and checked once, at start; a wrong value
 * stops start-up with one line per problem (ConfigError). Plain Node (no Nitro import), so the
 * command-line tools (`npm run doctor`) read the same settings the server does.
 */

/** The seed's placeholder secrets: never acceptable in production. */
export const PLACEHOLDER_SECRETS = ['your-jwt-secret-key', 'your-secret-key']

export interface DbSettings { host: string, port: number, user: string, password: string, database: string }

export interface RateLimitSettings {
  windowSeconds: number
  loginPerUser: number
  loginPerAddress: number
  /** Every login attempt, successful or not, per client address (generous: stops login floods). */
  loginAttemptsPerAddress: number
  registerPerAddress: number
  /** "Forgot password" requests per client address, and per account (or per unknown name/address asked for). */
  forgotPerAddress: number
  forgotPerAccount: number
}

export interface GalleryConfig {
  production: boolean
  db: DbSettings
  /** Upper bound of any one database call, in milliseconds (a frozen database answers 503, not never). */
  dbTimeoutMs: number
  jwtSecret: string
  jwtExpiration: number
  /** Root of every encryption key (HKDF per use). */
  secretKey: string
  /** The address people use, as an origin (`https://photos.example.org`): links and the CSRF check. */
  publicOrigin: string
  uploadFolder: string
  /** Where image bytes live: files under uploadFolder, or an S3 bucket (uploadFolder then holds only requests' temporary files). */
  storage: StorageSettings
  maxContentLength: number
  maxImagePixels: number
  redisUrl: string | undefined
  redisPrefix: string
  /** How many proxies in front of us append to X-Forwarded-For (0: ignore the header). */
  trustProxyHops: number
  rateLimits: RateLimitSettings
  /** Live sessions per user; a login beyond it ends the oldest. */
  maxSessionsPerUser: number
  /** An upload body that sends nothing for this long is cut off (milliseconds). */
  uploadIdleTimeoutMs: number
  /** Files without a row are removed by the consistency sweep once older than this (milliseconds). */
  orphanGraceMs: number
  /** Photos in the trash are deleted for good after this many days. */
  trashDays: number
  /** Development secrets and other local state. */
  dataDir: string
  /** Outgoing mail (smtp:// or smtps:// URL); without it nothing offers email (SPEC §10). */
  smtpUrl: string | undefined
  /** The From of every mail the gallery sends. */
  mailFrom: string
  /** pino level of the server log (LOG_LEVEL). */
  logLevel: LogLevel
  /** Bearer token of GET /metrics; undefined: /metrics answers 404. */
  metricsToken: string | undefined
  /** How long SIGTERM waits for in-flight requests (uploads) before closing anyway (seconds). */
  shutdownGraceSeconds: number
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = typeof LOG_LEVELS[number]

/** STORAGE=fs (default) or STORAGE=s3 with its S3_* settings (SPEC §12). */
export interface S3StorageSettings { driver: 's3', endpoint: string | undefined, region: string, bucket: string, accessKeyId: string, secretAccessKey: string, forcePathStyle: boolean }
export type StorageSettings = { driver: 'fs' } | S3StorageSettings

export class ConfigError extends Error {
  readonly problems: string[]
  constructor(problems: string[]) {
    super(problems.join('\n'))
    this.problems = problems
  }
}

const env = (name: string) => {
  const value = process.env[name]
  return value === undefined || value === '' ? undefined : value
}

/** Reads variables, collecting every problem instead of stopping at the first. */
class Reader {
  readonly problems: string[] = []

  int(name: string, fallback: number, { min = 1, max = Number.MAX_SAFE_INTEGER } = {}): number {
    const raw = env(name)
    if (raw === undefined) return fallback
    const value = Number(raw)
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'} (got "${raw}")`)
      return fallback
    }
    return value
  }
}

/** Database settings from DATABASE_URL, or from the seed's DB_* variables with local-development defaults. */
export function dbSettings(reader = new Reader()): DbSettings {
  const url = env('DATABASE_URL')
  if (url) {
    let parsed: URL | undefined
    try { parsed = new URL(url) }
    catch { /* reported below */ }
    if (parsed?.protocol === 'mysql:') {
      return {
        host: parsed.hostname,
        port: Number(parsed.port || 3306),
        user: decodeURIComponent(parsed.username),
        password: decodeURIComponent(parsed.password),
        database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'gallery',
      }
    }
    reader.problems.push('DATABASE_URL must be a mysql:// URL')
  }
  return {
    host: env('DB_HOST') ?? '127.0.0.1',
    port: reader.int('DB_PORT', 3306, { max: 65535 }),
    user: env('DB_USER') ?? 'root',
    password: env('DB_PASSWORD') ?? '',
    database: env('DB_NAME') ?? 'gallery',
  }
}

/** mysql:// URL for drizzle-kit. */
export function databaseUrl(): string {
  const db = dbSettings()
  const auth = db.password ? `${encodeURIComponent(db.user)}:${encodeURIComponent(db.password)}` : encodeURIComponent(db.user)
  return `mysql://${auth}@${db.host}:${db.port}/${encodeURIComponent(db.database)}`
}

/** Why a secret is not acceptable for production, or undefined when it is. */
export function secretProblem(secret: string | undefined, name = 'JWT_SECRET_KEY'): string | undefined {
  if (!secret) return `${name} is not set`
  if (PLACEHOLDER_SECRETS.includes(secret)) return `${name} is the placeholder "${secret}"`
  if (Buffer.byteLength(secret) < 32) return `${name} is shorter than 32 bytes`
  return undefined
}

/** In development a random secret is generated once and kept in a git-ignored file so restarts keep sessions. */
function developmentSecret(dataDir: string, fileName: string): string {
  const file = resolve(dataDir, fileName)
  try {
    const existing = readFileSync(file, 'utf8').trim()
    if (existing.length >= 32) return existing
  }
  catch { /* first start: create it below */ }
  const secret = randomBytes(48).toString('base64url')
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, secret + '\n', { mode: 0o600 })
  return secret
}

/** A secret from the environment; in development a missing or placeholder one is generated into the data folder. */
function secret(reader: Reader, name: string, production: boolean, dataDir: string, fileName: string): string {
  const value = env(name)
  const problem = secretProblem(value, name)
  if (!problem) return value!
  if (production) {
    reader.problems.push(`${problem}; set a random value of at least 32 bytes (e.g. \`openssl rand -base64 48\`)`)
    return ''
  }
  // Development: a short but deliberate value is the developer's choice; a missing or placeholder one is replaced.
  return value && !PLACEHOLDER_SECRETS.includes(value) ? value : developmentSecret(dataDir, fileName)
}

/** PUBLIC_URL as an origin; required in production, the dev server's address otherwise. */
function publicOrigin(reader: Reader, production: boolean): string {
  const raw = env('PUBLIC_URL')
  if (!raw) {
    if (production) reader.problems.push('PUBLIC_URL is not set; set the address people use, e.g. https://photos.example.org')
    return `http://localhost:${env('PORT') ?? 3000}`
  }
  try {
    const url = new URL(raw)
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.origin
  }
  catch { /* reported below */ }
  reader.problems.push(`PUBLIC_URL must be an http:// or https:// address (got "${raw}")`)
  return ''
}

function logLevel(reader: Reader): LogLevel {
  const raw = env('LOG_LEVEL') ?? 'info'
  if ((LOG_LEVELS as readonly string[]).includes(raw)) return raw as LogLevel
  reader.problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${raw}")`)
  return 'info'
}

function metricsToken(reader: Reader): string | undefined {
  const raw = env('METRICS_TOKEN')
  if (raw !== undefined && (raw.length < 16 || !/^[\x21-\x7e]+$/.test(raw))) {
    reader.problems.push('METRICS_TOKEN must be at least 16 visible ASCII characters (e.g. `openssl rand -hex 24`)')
    return undefined
  }
  return raw
}

/** STORAGE and, for s3, the S3_* variables; every missing or malformed one is a problem of its own. */
function storageSettings(reader: Reader): StorageSettings {
  const driver = env('STORAGE') ?? 'fs'
  if (driver === 'fs') return { driver }
  if (driver !== 's3') {
    reader.problems.push(`STORAGE must be fs or s3 (got "${driver}")`)
    return { driver: 'fs' }
  }
  const required = (name: string) => {
    const value = env(name)
    if (!value) reader.problems.push(`${name} is required with STORAGE=s3`)
    return value ?? ''
  }
  const endpoint = env('S3_ENDPOINT')
  if (endpoint !== undefined) {
    let ok = false
    try { ok = ['http:', 'https:'].includes(new URL(endpoint).protocol) }
    catch { /* reported below */ }
    if (!ok) reader.problems.push(`S3_ENDPOINT must be an http:// or https:// address (got "${endpoint}")`)
  }
  const pathStyle = env('S3_FORCE_PATH_STYLE') ?? 'false'
  if (pathStyle !== 'true' && pathStyle !== 'false') reader.problems.push(`S3_FORCE_PATH_STYLE must be true or false (got "${pathStyle}")`)
  return {
    driver,
    endpoint,
    region: env('S3_REGION') ?? 'us-east-1',
    bucket: required('S3_BUCKET'),
    accessKeyId: required('S3_ACCESS_KEY_ID'),
    secretAccessKey: required('S3_SECRET_ACCESS_KEY'),
    forcePathStyle: pathStyle === 'true',
  }
}

function trustProxyHops(reader: Reader): number {
  const raw = env('TRUST_PROXY')
  if (raw === 'true') return 1
  if (raw === 'false') return 0
  return reader.int('TRUST_PROXY', 0, { min: 0, max: 10 })
}

/** SMTP_URL (smtp:// or smtps://, credentials in the URL) and MAIL_FROM (default gallery@<PUBLIC_URL's host>). */
function mailSettings(reader: Reader): Pick<GalleryConfig, 'smtpUrl' | 'mailFrom'> {
  const raw = env('SMTP_URL')
  let smtpUrl: string | undefined
  if (raw) {
    let url: URL | undefined
    try { url = new URL(raw) }
    catch { /* reported below */ }
    if (url && (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname) smtpUrl = raw
    else reader.problems.push('SMTP_URL must be an smtp:// or smtps:// URL, e.g. smtps://user:password@mail.example.org')
  }
  const from = env('MAIL_FROM')
  if (from && !/^[^\r\n]*<?[^\s@<>]+@[^\s@<>]+>?$/.test(from)) reader.problems.push(`MAIL_FROM must be an address, optionally with a name: "Gallery <gallery@example.org>" (got "${from}")`)
  let host = 'localhost'
  try { host = new URL(env('PUBLIC_URL') ?? '').hostname || host }
  catch { /* the default */ }
  return { smtpUrl, mailFrom: from ?? `Gallery <gallery@${host}>` }
}

let cached: GalleryConfig | undefined

/** The configuration, read once from the environment at run time. Throws ConfigError listing every problem. */
export function useConfig(): GalleryConfig {
  if (cached) return cached
  const reader = new Reader()
  const production = process.env.NODE_ENV === 'production'
  const dataDir = resolve(env('GALLERY_DATA_DIR') ?? '.data')
  const config: GalleryConfig = {
    production,
    db: dbSettings(reader),
    dbTimeoutMs: reader.int('DB_TIMEOUT_MS', 8000, { min: 100, max: 600_000 }),
    jwtSecret: secret(reader, 'JWT_SECRET_KEY', production, dataDir, 'jwt-secret'),
    jwtExpiration: reader.int('JWT_EXPIRATION_DELTA', 3600),
    secretKey: secret(reader, 'SECRET_KEY', production, dataDir, 'secret-key'),
    publicOrigin: publicOrigin(reader, production),
    uploadFolder: resolve(env('UPLOAD_FOLDER') ?? './uploads'),
    storage: storageSettings(reader),
    maxContentLength: reader.int('MAX_CONTENT_LENGTH', 16 * 1024 * 1024),
    maxImagePixels: reader.int('MAX_IMAGE_PIXELS', 100_000_000),
    redisUrl: env('REDIS_URL'),
    redisPrefix: env('REDIS_PREFIX') ?? 'gallery',
    trustProxyHops: trustProxyHops(reader),
    rateLimits: {
      windowSeconds: reader.int('RATE_LIMIT_WINDOW', 15 * 60),
      loginPerUser: reader.int('RATE_LIMIT_LOGIN_PER_USER', 10),
      loginPerAddress: reader.int('RATE_LIMIT_LOGIN_PER_IP', 50),
      loginAttemptsPerAddress: reader.int('RATE_LIMIT_LOGIN_ATTEMPTS_PER_IP', 300),
      registerPerAddress: reader.int('RATE_LIMIT_REGISTER_PER_IP', 20),
      forgotPerAddress: reader.int('RATE_LIMIT_FORGOT_PER_IP', 20),
      forgotPerAccount: reader.int('RATE_LIMIT_FORGOT_PER_ACCOUNT', 5),
    },
    maxSessionsPerUser: reader.int('MAX_SESSIONS_PER_USER', 50),
    uploadIdleTimeoutMs: reader.int('UPLOAD_IDLE_TIMEOUT', 30) * 1000,
    orphanGraceMs: reader.int('ORPHAN_GRACE_SECONDS', 3600, { min: 0 }) * 1000,
    trashDays: reader.int('TRASH_DAYS', 30, { max: 3650 }),
    dataDir,
    ...mailSettings(reader),
    logLevel: logLevel(reader),
    metricsToken: metricsToken(reader),
    shutdownGraceSeconds: reader.int('SHUTDOWN_GRACE_SECONDS', 25, { min: 1, max: 3600 }),
  }
  if (reader.problems.length) throw new ConfigError(reader.problems)
  // Nitro's node server drains connections on SIGTERM for NITRO_SHUTDOWN_TIMEOUT ms, read from the
  // environment after the plugins ran (server/plugins/shutdown.ts): our grace period is handed over here.
  process.env.NITRO_SHUTDOWN_TIMEOUT = String(config.shutdownGraceSeconds * 1000)
  cached = config
  return cached
}
