import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import mysql from 'mysql2/promise'
import type { TestProject } from 'vitest/node'

const ROOT = resolve(import.meta.dirname, '../..')
// A build folder per run, so two test runs on one machine never overwrite each other's server.
const BUILD_DIR = join(ROOT, '.nuxt', `test-build-${process.pid}`)
const TEST_OUTPUT = join(BUILD_DIR, 'output')

const dbSettings = () => ({
  host: process.env.DB_HOST ?? '127.0.0.1',
  port: Number(process.env.DB_PORT ?? 3306),
  user: process.env.DB_USER ?? 'root',
  password: process.env.DB_PASSWORD ?? '',
})

/** Builds the production server once for every test file that needs it (unit-only runs skip it). */
async function buildServer(): Promise<void> {
  const script = join(ROOT, 'test/setup/build-server.mjs')
  const result = spawnSync(process.execPath, [script, ROOT, BUILD_DIR, TEST_OUTPUT], { cwd: ROOT, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`building the server for the tests failed:\n${result.stdout}\n${result.stderr}`)
}

/** One database and one scratch folder per run, dropped afterwards. */
export default async function setup(project: TestProject) {
  const onlyUnit = project.vitest.projects.every(p => p.name === 'unit')
  const dbName = `gallery_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`
  const scratch = await mkdtemp(join(tmpdir(), 'gallery-test-'))
  if (!onlyUnit) {
    const conn = await mysql.createConnection(dbSettings())
    await conn.query(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
    await conn.end()
    await buildServer()
  }
  project.provide('dbName', dbName)
  project.provide('scratch', scratch)
  project.provide('serverOutput', TEST_OUTPUT)
  const faultLog = join(scratch, 'server-faults.log')
  project.provide('faultLog', faultLog)
  return async () => {
    if (!onlyUnit) {
      const conn = await mysql.createConnection(dbSettings())
      await conn.query(`DROP DATABASE IF EXISTS \`${dbName}\``)
      await conn.end()
    }
    const faults = await readFile(faultLog, 'utf8').catch(() => '')
    await rm(scratch, { recursive: true, force: true })
    await rm(BUILD_DIR, { recursive: true, force: true })
    if (faults) throw new Error(`a test server reached an uncaught exception or unhandled rejection:\n${faults}`)
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    dbName: string
    scratch: string
    serverOutput: string
    faultLog: string
  }
}
