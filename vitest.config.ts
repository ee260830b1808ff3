import { fileURLToPath } from 'node:url'
import { configDefaults, defineConfig } from 'vitest/config'

const alias = { '#shared': fileURLToPath(new URL('./shared', import.meta.url)) }

const API_TESTS = ['test/api/**/*.test.ts', 'test/security/**/*.test.ts']
/**
 * About the local disk by nature, not run again on S3: a full or read-only disk (faults), the start-up
 * sweep of files aged with utimes (sweep: S3 cannot back-date an object; the S3 sweep is covered by
 * crash-upload), upgrading a gallery of the previous version (which stored only on disk), open file
 * descriptors in /proc.
 */
const FS_ONLY = ['test/api/faults.test.ts', 'test/api/sweep.test.ts', 'test/api/upgrade.test.ts',
  // Count the server's file descriptors on stored files (a download the client abandons closes its file).
  'test/api/blob-serve.test.ts', 'test/api/download-descriptors.test.ts',
  // Brings an S3 server of its own (which it stops and starts): the same on both runs, so once.
  'test/api/s3-faults.test.ts']

// Plain vitest projects (not defineVitestConfig: @nuxt/test-utils' e2e setup breaks under it).
// The global setup builds the production server once and makes a database for the run.
export default defineConfig({
  test: {
    globalSetup: ['./test/setup/global.ts'],
    projects: [
      { resolve: { alias }, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' } },
      {
        resolve: { alias },
        test: { name: 'api', include: API_TESTS, environment: 'node', testTimeout: 30_000, hookTimeout: 120_000 },
      },
      {
        // The same API and security tests again with every server storing its images in S3 (s3rver on
        // loopback, started by this project's setup). Tests that are about the local disk itself stay
        // on the fs run only (FS_ONLY).
        resolve: { alias },
        test: {
          name: 'api-s3',
          include: API_TESTS,
          exclude: [...configDefaults.exclude, ...FS_ONLY],
          globalSetup: ['./test/setup/global-s3.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve: { alias },
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], environment: 'node', testTimeout: 60_000, hookTimeout: 120_000, fileParallelism: false },
      },
    ],
  },
})
