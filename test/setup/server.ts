import { randomBytes } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { setup } from '@nuxt/test-utils/e2e'
import { inject } from 'vitest'
import { s3StorageFor } from './s3'

export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz'
export const TEST_SECRET_KEY = 'test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz'

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolvePort(port))
    })
  })
}

/** Loaded into every server the tests start: records uncaught exceptions and unhandled rejections (global teardown fails the run on any). */
const TRAP = resolve(import.meta.dirname, 'trap-uncaught.cjs')

/** What every test server needs in production mode: secrets, its own public address, the fault trap. */
export function productionEnv(port: number, uploadFolder: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DB_NAME: inject('dbName'),
    JWT_SECRET_KEY: TEST_SECRET,
    SECRET_KEY: TEST_SECRET_KEY,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    UPLOAD_FOLDER: uploadFolder,
    NODE_OPTIONS: `--require=${TRAP}`,
    GALLERY_TEST_FAULT_LOG: inject('faultLog'),
  }
}

/**
 * Where a server with this upload folder keeps its images: nothing extra on the `api` project (files
 * under the folder); in the `api-s3` project, STORAGE=s3 with a bucket that stands for the folder
 * (servers given the same folder share it, as they would share the folder on fs).
 */
export async function storageEnv(uploadFolder: string): Promise<Record<string, string>> {
  const endpoint = inject('s3Endpoint')
  return endpoint ? s3StorageFor(endpoint, uploadFolder) : {}
}

/**
 * Starts the production build (made once by the global setup) on a free port, against the run's
 * database and an upload folder of this test file's own. Returns that folder and the port.
 */
export async function startServer(env: Record<string, string> = {}): Promise<{ uploadFolder: string, port: number }> {
  const uploadFolder = join(inject('scratch'), `uploads-${randomBytes(4).toString('hex')}`)
  await mkdir(uploadFolder, { recursive: true })
  const port = await freePort()
  await setup({
    build: false,
    server: true,
    browser: false,
    port,
    nuxtConfig: { nitro: { output: { dir: inject('serverOutput') } } },
    env: {
      ...productionEnv(port, uploadFolder),
      ...await storageEnv(env.UPLOAD_FOLDER ?? uploadFolder),
      // Every test registers fresh users from 127.0.0.1; the rate-limit tests lower these again.
      RATE_LIMIT_REGISTER_PER_IP: '100000',
      RATE_LIMIT_LOGIN_PER_IP: '100000',
      RATE_LIMIT_LOGIN_ATTEMPTS_PER_IP: '100000',
      ...env,
    },
  })
  return { uploadFolder, port }
}
