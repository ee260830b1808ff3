import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

/** The seed's placeholder secrets: never acceptable in production. */
export const PLACEHOLDER_SECRETS = ['your-jwt-secret-key', 'your-secret-key']

export interface DbSettings { host: string, port: number, user: string, password: string, database: string }

export interface GalleryConfig {
  production: boolean
  db: DbSettings
  jwtSecret: string
  jwtExpiration: number
  uploadFolder: string
  maxContentLength: number
  maxImagePixels: number
  redisUrl: string | undefined
}

const env = (name: string) => {
  const value = process.env[name]
  return value === undefined || value === '' ? undefined : value
}

function positiveInt(name: string, fallback: number): number {
  const raw = env(name)
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!Number.isSafeInteger(value) || value <= 0) throw new ConfigError(`${name} must be a positive integer (got "${raw}")`)
  return value
}

export class ConfigError extends Error {}

/** Database settings from DATABASE_URL, or from the seed's DB_* variables with local-development defaults. */
export function dbSettings(): DbSettings {
  const url = env('DATABASE_URL')
  if (url) {
    const parsed = new URL(url)
    if (parsed.protocol !== 'mysql:') throw new ConfigError('DATABASE_URL must start with mysql://')
    return {
      host: parsed.hostname,
      port: Number(parsed.port || 3306),
      user: decodeURIComponent(parsed.username),
      password: decodeURIComponent(parsed.password),
      database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'gallery',
    }
  }
  return {
    host: env('DB_HOST') ?? '127.0.0.1',
    port: positiveInt('DB_PORT', 3306),
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
export function secretProblem(secret: string | undefined): string | undefined {
  if (!secret) return 'JWT_SECRET_KEY is not set'
  if (PLACEHOLDER_SECRETS.includes(secret)) return `JWT_SECRET_KEY is the placeholder "${secret}"`
  if (Buffer.byteLength(secret) < 32) return 'JWT_SECRET_KEY is shorter than 32 bytes'
  return undefined
}

/** In development a random secret is generated once and kept in a git-ignored file so restarts keep sessions. */
function developmentSecret(): string {
  const file = resolve(env('GALLERY_DATA_DIR') ?? '.data', 'jwt-secret')
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

let cached: GalleryConfig | undefined

/** The configuration, read once from the environment at run time. Throws ConfigError with a one-line reason. */
export function useConfig(): GalleryConfig {
  if (cached) return cached
  const production = process.env.NODE_ENV === 'production'
  let jwtSecret = env('JWT_SECRET_KEY')
  const problem = secretProblem(jwtSecret)
  if (problem) {
    if (production) throw new ConfigError(`${problem}; set a random value of at least 32 bytes (e.g. \`openssl rand -base64 48\`)`)
    if (!jwtSecret || PLACEHOLDER_SECRETS.includes(jwtSecret)) jwtSecret = developmentSecret()
  }
  cached = {
    production,
    db: dbSettings(),
    jwtSecret: jwtSecret!,
    jwtExpiration: positiveInt('JWT_EXPIRATION_DELTA', 3600),
    uploadFolder: resolve(env('UPLOAD_FOLDER') ?? './uploads'),
    maxContentLength: positiveInt('MAX_CONTENT_LENGTH', 16 * 1024 * 1024),
    maxImagePixels: positiveInt('MAX_IMAGE_PIXELS', 100_000_000),
    redisUrl: env('REDIS_URL'),
  }
  return cached
}
