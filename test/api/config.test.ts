import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'

/** Starts the production build with the given secret; returns how it ended when it refuses. */
function startWith(secret: string | undefined) {
  const env: Record<string, string | undefined> = { ...process.env, NODE_ENV: 'production', PORT: '0', DB_NAME: inject('dbName'), JWT_SECRET_KEY: secret }
  if (secret === undefined) delete env.JWT_SECRET_KEY
  return spawnSync(process.execPath, [join(inject('serverOutput'), 'server/index.mjs')], { env, encoding: 'utf8', timeout: 15_000 })
}

describe('production configuration', () => {
  it.each([
    ['is missing', undefined, 'JWT_SECRET_KEY is not set'],
    ['is the seed\'s placeholder your-jwt-secret-key', 'your-jwt-secret-key', 'JWT_SECRET_KEY is the placeholder "your-jwt-secret-key"'],
    ['is the seed\'s placeholder your-secret-key', 'your-secret-key', 'JWT_SECRET_KEY is the placeholder "your-secret-key"'],
    ['is shorter than 32 bytes', 'short-but-not-a-placeholder', 'JWT_SECRET_KEY is shorter than 32 bytes'],
  ])('refuses to start when JWT_SECRET_KEY %s, with a one-line reason', (_, secret, reason) => {
    const result = startWith(secret)
    expect(result.status).toBe(1)
    const lines = result.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(`[gallery] refusing to start: ${reason}`)
    expect(result.stdout).not.toContain('Listening')
  })
})
