import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { TEST_SECRET, TEST_SECRET_KEY } from '../setup/server'

const VALID = { JWT_SECRET_KEY: TEST_SECRET, SECRET_KEY: TEST_SECRET_KEY, PUBLIC_URL: 'https://photos.example.org' }

/** Starts the production build with the given settings (undefined removes one); returns how it ended. */
function startWith(settings: Record<string, string | undefined>) {
  const merged: Record<string, string | undefined> = { ...process.env, NODE_ENV: 'production', PORT: '0', DB_NAME: inject('dbName'), ...VALID, ...settings }
  const env = Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined))
  return spawnSync(process.execPath, [join(inject('serverOutput'), 'server/index.mjs')], { env, encoding: 'utf8', timeout: 15_000 })
}

describe('production configuration', () => {
  it.each([
    ['JWT_SECRET_KEY is missing', { JWT_SECRET_KEY: undefined }, 'JWT_SECRET_KEY is not set'],
    ['JWT_SECRET_KEY is the seed\'s placeholder your-jwt-secret-key', { JWT_SECRET_KEY: 'your-jwt-secret-key' }, 'JWT_SECRET_KEY is the placeholder "your-jwt-secret-key"'],
    ['JWT_SECRET_KEY is the seed\'s placeholder your-secret-key', { JWT_SECRET_KEY: 'your-secret-key' }, 'JWT_SECRET_KEY is the placeholder "your-secret-key"'],
    ['JWT_SECRET_KEY is shorter than 32 bytes', { JWT_SECRET_KEY: 'short-but-not-a-placeholder' }, 'JWT_SECRET_KEY is shorter than 32 bytes'],
    ['SECRET_KEY is missing', { SECRET_KEY: undefined }, 'SECRET_KEY is not set'],
    ['SECRET_KEY is the seed\'s placeholder', { SECRET_KEY: 'your-secret-key' }, 'SECRET_KEY is the placeholder "your-secret-key"'],
    ['SECRET_KEY is shorter than 32 bytes', { SECRET_KEY: 'too-short' }, 'SECRET_KEY is shorter than 32 bytes'],
    ['PUBLIC_URL is missing', { PUBLIC_URL: undefined }, 'PUBLIC_URL is not set'],
    ['PUBLIC_URL is not a web address', { PUBLIC_URL: 'photos.example.org' }, 'PUBLIC_URL must be an http:// or https:// address'],
    ['a number is not a number', { JWT_EXPIRATION_DELTA: 'soon' }, 'JWT_EXPIRATION_DELTA must be an integer'],
    ['TRUST_PROXY is not a hop count', { TRUST_PROXY: 'yes' }, 'TRUST_PROXY must be an integer from 0 to 10'],
  ])('refuses to start when %s, with a one-line reason', (_, settings, reason) => {
    const result = startWith(settings)
    expect(result.status).toBe(1)
    const lines = result.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(`[gallery] refusing to start: ${reason}`)
    expect(result.stdout).not.toContain('Listening')
  })

  it('names every wrong value, one line each', () => {
    const result = startWith({ SECRET_KEY: undefined, PUBLIC_URL: undefined, MAX_CONTENT_LENGTH: '-1' })
    expect(result.status).toBe(1)
    const lines = result.stderr.trim().split('\n')
    expect(lines).toHaveLength(3)
    expect(lines.every(line => line.startsWith('[gallery] refusing to start: '))).toBe(true)
    expect(lines.map(line => line.split(': ')[1]!.split(' ')[0])).toEqual(['SECRET_KEY', 'PUBLIC_URL', 'MAX_CONTENT_LENGTH'])
  })
})
