import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, open, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import mysql from 'mysql2/promise'
import { freePort } from './server'

export interface PrivateMariadb {
  port: number
  pid: number
  /** SIGSTOP: the server keeps its sockets (the kernel still accepts connections) but answers nothing, like a hung host. */
  freeze: () => Promise<void>
  /** SIGCONT: it answers again, including what it was asked while frozen. */
  thaw: () => Promise<void>
  /** Kills the server and removes its data folder; safe to call twice and after a failed start. */
  stop: () => Promise<void>
}

// Small InnoDB files: the default redo log alone is 96 MB, and this database holds a few rows.
const SMALL = ['--innodb-log-file-size=4M', '--innodb-buffer-pool-size=16M']

/** True when every thread of `pid` is (`stopped`) or is not (`!stopped`) in the stopped state `T`. */
async function threadsStopped(pid: number, stopped: boolean): Promise<boolean> {
  const tasks = await readdir(`/proc/${pid}/task`)
  // A thread that ended in between has no state left to wait for.
  const stats = await Promise.all(tasks.map(task => readFile(`/proc/${pid}/task/${task}/stat`, 'utf8').catch(() => undefined)))
  // The state follows the command name in parentheses, which may itself contain spaces.
  return stats.every(stat => stat === undefined || (stat[stat.lastIndexOf(')') + 2] === 'T') === stopped)
}

/**
 * Sends `signal` and waits until every thread has acted on it: a group stop is asynchronous, and
 * a thread still running for a moment answers a query sent "after" the freeze (seen here: 5 of 40).
 */
async function signalAndSettle(pid: number, signal: 'SIGSTOP' | 'SIGCONT'): Promise<void> {
  process.kill(pid, signal)
  const end = Date.now() + 10_000
  while (!await threadsStopped(pid, signal === 'SIGSTOP')) {
    if (Date.now() > end) throw new Error(`private mariadbd did not settle after ${signal}`)
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

/** Polls until the server accepts a login; throws after `ms` or when it exits. */
async function waitUntilAnswering(port: number, server: ChildProcess, ms: number): Promise<void> {
  const end = Date.now() + ms
  for (;;) {
    if (server.exitCode !== null) throw new Error(`private mariadbd exited with ${server.exitCode}`)
    try {
      const conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 2000 })
      await conn.end()
      return
    }
    catch (error) {
      if (Date.now() > end) throw new Error(`private mariadbd did not answer within ${ms} ms`, { cause: error })
      await new Promise(resolve => setTimeout(resolve, 200))
    }
  }
}

/**
 * A MariaDB server of the calling test file alone (own data folder, own port on 127.0.0.1), so the
 * test may freeze or kill it without touching the shared one. `--no-defaults` keeps the machine's
 * my.cnf (port 3306, /var/lib/mysql) out of it; `--user=root` because the tests run as root.
 */
export async function startPrivateMariadb(): Promise<PrivateMariadb> {
  const dir = await mkdtemp(join(tmpdir(), 'gallery-mariadb-'))
  const dataDir = join(dir, 'data')
  const logFile = join(dir, 'server.log')
  let server: ChildProcess | undefined
  const killNow = () => {
    if (server?.pid && server.exitCode === null && server.signalCode === null) process.kill(server.pid, 'SIGKILL')
  }
  // A worker that dies without running afterAll must not leave a server behind.
  process.once('exit', killNow)
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    process.off('exit', killNow)
    // SIGKILL works on a stopped process too; the data is thrown away, so no clean shutdown is needed.
    const child = server
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise(resolve => child.once('exit', resolve))
      killNow()
      await exited
    }
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await promisify(execFile)('mariadb-install-db', [
      '--no-defaults', `--datadir=${dataDir}`, '--auth-root-authentication-method=normal', '--user=root', '--skip-test-db', ...SMALL,
    ], { timeout: 60_000 })
    const port = await freePort()
    const log = await open(logFile, 'w')
    server = spawn('mariadbd', [
      '--no-defaults', `--datadir=${dataDir}`, `--port=${port}`, `--socket=${join(dir, 'sock')}`, `--pid-file=${join(dir, 'pid')}`,
      '--bind-address=127.0.0.1', '--user=root', '--skip-log-bin', ...SMALL,
    ], { stdio: ['ignore', log.fd, log.fd] })
    await log.close()
    await waitUntilAnswering(port, server, 60_000)
    const pid = server.pid
    if (!pid) throw new Error('private mariadbd has no pid')
    return {
      port,
      pid,
      freeze: () => signalAndSettle(pid, 'SIGSTOP'),
      thaw: () => signalAndSettle(pid, 'SIGCONT'),
      stop,
    }
  }
  catch (error) {
    // The folder goes with stop(): keep the end of the server's log in the message.
    const log = await readFile(logFile, 'utf8').catch(() => '')
    await stop()
    throw new Error(`starting a private MariaDB failed:\n${log.split('\n').slice(-15).join('\n')}`, { cause: error })
  }
}
