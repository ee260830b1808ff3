import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import mysql from 'mysql2/promise'
import type { TestProject } from 'vitest/node'

const ROOT = resolve(import.meta.dirname, '../..')
// A build folder per run, so two test runs on one machine never overwrite each other's server; outside
// .nuxt, which `nuxt prepare` empties (a server whose route chunks vanish mid-run fails at random).
const BUILD_DIR = join(ROOT, '.test-build', `build-${process.pid}`)
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

/** True when something on 127.0.0.1:6379 answers a Redis PING. */
function redisAnswers(): Promise<boolean> {
  return new Promise((resolveAnswer) => {
    const socket = connect(6379, '127.0.0.1')
    const done = (answer: boolean) => {
      socket.destroy()
      resolveAnswer(answer)
    }
    socket.setTimeout(1000, () => done(false))
    socket.once('error', () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', data => done(data.toString().startsWith('+PONG')))
  })
}

/** The Redis tests need a Redis: start one (no persistence) when none answers, as the machine's MariaDB is assumed. */
async function ensureRedis(): Promise<void> {
  if (await redisAnswers()) return
  const result = spawnSync('redis-server', ['--daemonize', 'yes', '--port', '6379', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { encoding: 'utf8' })
  if (result.error || result.status !== 0) throw new Error(`Redis is not running and could not be started: ${result.error?.message ?? result.stderr}`)
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await redisAnswers()) return
    await new Promise(resolveWait => setTimeout(resolveWait, 100))
  }
  throw new Error('Redis was started but does not answer on 127.0.0.1:6379')
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
    await ensureRedis()
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
