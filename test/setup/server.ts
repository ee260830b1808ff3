import { randomBytes } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { setup } from '@nuxt/test-utils/e2e'
import { inject } from 'vitest'

export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz'

/**
 * Starts the production build (made once by the global setup) on a free port, against the run's
 * database and an upload folder of this test file's own. Returns that folder.
 */
export async function startServer(env: Record<string, string> = {}): Promise<{ uploadFolder: string }> {
  const uploadFolder = join(inject('scratch'), `uploads-${randomBytes(4).toString('hex')}`)
  await mkdir(uploadFolder, { recursive: true })
  await setup({
    build: false,
    server: true,
    browser: false,
    nuxtConfig: { nitro: { output: { dir: inject('serverOutput') } } },
    env: {
      NODE_ENV: 'production',
      DB_NAME: inject('dbName'),
      JWT_SECRET_KEY: TEST_SECRET,
      UPLOAD_FOLDER: uploadFolder,
      // Every test registers fresh users from 127.0.0.1; the rate-limit tests lower these again.
      RATE_LIMIT_REGISTER_PER_IP: '100000',
      RATE_LIMIT_LOGIN_PER_IP: '100000',
      ...env,
    },
  })
  return { uploadFolder }
}
