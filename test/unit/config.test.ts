import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'

const saved = { ...process.env }
afterEach(() => {
  process.env = { ...saved }
  vi.resetModules()
})

const load = async (env: Record<string, string | undefined>) => {
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) Reflect.deleteProperty(process.env, key)
    else process.env[key] = value
  }
  return import('../../server/infra/config')
}

describe('configuration', () => {
  it('generates a development secret once and keeps it across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gallery-config-'))
    const first = (await load({ NODE_ENV: 'development', JWT_SECRET_KEY: undefined, GALLERY_DATA_DIR: dir })).useConfig().jwtSecret
    vi.resetModules()
    const second = (await load({})).useConfig().jwtSecret
    expect(first.length).toBeGreaterThanOrEqual(32)
    expect(second).toBe(first)
    expect(readFileSync(join(dir, 'jwt-secret'), 'utf8').trim()).toBe(first)
  })

  it('replaces the seed\'s placeholder with a generated secret in development', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gallery-config-'))
    const { useConfig } = await load({ NODE_ENV: 'development', JWT_SECRET_KEY: 'your-jwt-secret-key', GALLERY_DATA_DIR: dir })
    expect(useConfig().jwtSecret).not.toBe('your-jwt-secret-key')
  })

  it('reads DATABASE_URL instead of the DB_* variables', async () => {
    const { dbSettings } = await load({ DATABASE_URL: 'mysql://gallery:p%40ss@db.example:3307/photos', DB_HOST: 'ignored' })
    expect(dbSettings()).toEqual({ host: 'db.example', port: 3307, user: 'gallery', password: 'p@ss', database: 'photos' })
  })

  it('honours the seed\'s DB_* names with local defaults', async () => {
    const { dbSettings } = await load({ DATABASE_URL: undefined, DB_HOST: undefined, DB_PORT: '3310', DB_USER: undefined, DB_PASSWORD: undefined, DB_NAME: 'mine' })
    expect(dbSettings()).toEqual({ host: '127.0.0.1', port: 3310, user: 'root', password: '', database: 'mine' })
  })

  it.each([
    [undefined, 'JWT_SECRET_KEY is not set'],
    ['your-secret-key', 'JWT_SECRET_KEY is the placeholder "your-secret-key"'],
    ['x'.repeat(31), 'JWT_SECRET_KEY is shorter than 32 bytes'],
    ['x'.repeat(32), undefined],
  ])('judges the production secret %j: %s', async (secret, problem) => {
    const { secretProblem } = await load({})
    expect(secretProblem(secret)).toBe(problem)
  })
})

describe('one reader of the environment', () => {
  it('reads process.env only in server/infra/config.ts', async () => {
    const { readdir, readFile } = await import('node:fs/promises')
    const root = join(import.meta.dirname, '../../server')
    const files = (await readdir(root, { recursive: true })).filter(name => name.endsWith('.ts'))
    expect(files.length).toBeGreaterThan(40)
    const readers: string[] = []
    for (const name of files) {
      if (/process\.env\b/.test(await readFile(join(root, name), 'utf8'))) readers.push(name)
    }
    expect(readers).toEqual(['infra/config.ts'])
  })
})
