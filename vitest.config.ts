import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const alias = { '#shared': fileURLToPath(new URL('./shared', import.meta.url)) }

// Plain vitest projects (not defineVitestConfig: @nuxt/test-utils' e2e setup breaks under it).
// The global setup builds the production server once and makes a database for the run.
export default defineConfig({
  test: {
    globalSetup: ['./test/setup/global.ts'],
    projects: [
      { resolve: { alias }, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' } },
      {
        resolve: { alias },
        test: { name: 'api', include: ['test/api/**/*.test.ts', 'test/security/**/*.test.ts'], environment: 'node', testTimeout: 30_000, hookTimeout: 120_000 },
      },
      {
        resolve: { alias },
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], environment: 'node', testTimeout: 60_000, hookTimeout: 120_000, fileParallelism: false },
      },
    ],
  },
})
