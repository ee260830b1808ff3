import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import { afterAll, inject } from 'vitest'
import { freePort, productionEnv, storageEnv } from '../setup/server'

// A production server this test file starts, stops and kills itself (the @nuxt/test-utils server is
// one per file and cannot be SIGKILLed and restarted). Same build, same database, same fault trap.

export interface OwnServer {
  port: number
  pid: number
  uploadFolder: string
  /** Everything the server printed so far. */
  output: () => string
  fetch: (path: string, init?: RequestInit) => Promise<Response>
  /** SIGKILL, and wait until the process is gone. */
  kill: () => Promise<void>
  /** Uncaught exceptions and unhandled rejections this server reached (from the run's fault log). */
  faults: () => Promise<string[]>
}

const running = new Set<ChildProcess>()
afterAll(() => { for (const child of running) child.kill('SIGKILL') })

/** A fresh upload folder in the run's scratch space. */
export async function scratchFolder(): Promise<string> {
  const folder = join(inject('scratch'), `own-${randomBytes(4).toString('hex')}`)
  await mkdir(folder, { recursive: true })
  return folder
}

/** Starts the built server and waits until /api/health answers 200 (start-up work done). */
export async function startOwnServer(env: Record<string, string> = {}, uploadFolder?: string): Promise<OwnServer> {
  const folder = uploadFolder ?? await scratchFolder()
  const port = await freePort()
  let output = ''
  const child = spawn(process.execPath, [join(inject('serverOutput'), 'server/index.mjs')], {
    env: {
      ...process.env,
      ...productionEnv(port, folder),
      ...await storageEnv(env.UPLOAD_FOLDER ?? folder),
      PORT: String(port),
      HOST: '127.0.0.1',
      RATE_LIMIT_REGISTER_PER_IP: '100000',
      RATE_LIMIT_LOGIN_PER_IP: '100000',
      RATE_LIMIT_LOGIN_ATTEMPTS_PER_IP: '100000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  const exited = new Promise<void>(resolve => child.once('exit', () => {
    running.delete(child)
    resolve()
  }))
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk })
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk })
  const base = `http://127.0.0.1:${port}`
  const server: OwnServer = {
    port,
    pid: child.pid!,
    uploadFolder: folder,
    output: () => output,
    fetch: (path, init) => fetch(base + path, init),
    kill: async () => {
      child.kill('SIGKILL')
      await exited
    },
    faults: async () => (await readFile(inject('faultLog'), 'utf8').catch(() => ''))
      .split(/\n(?=uncaughtException|unhandledRejection)/).filter(entry => entry.includes(`in server ${child.pid}:`)),
  }
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited during start-up:\n${output}`)
    const status = await server.fetch('/api/health').then(res => res.status, () => 0)
    if (status === 200) return server
    if (Date.now() > deadline) throw new Error(`server did not become healthy:\n${output}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

/** Registers and signs in a fresh user on a server; returns its bearer header and user id. */
export async function signUpOn(server: OwnServer): Promise<{ auth: Record<string, string>, userId: number }> {
  const credentials = { username: `u_${randomBytes(5).toString('hex')}`, password: 'correct horse battery' }
  const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const registered = await server.fetch('/api/register', json(credentials))
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}`)
  const login = await server.fetch('/api/login', json(credentials))
  const { token } = await login.json() as { token: string }
  const auth = { authorization: `Bearer ${token}` }
  const me = await (await server.fetch('/api/me', { headers: auth })).json() as { id: number }
  return { auth, userId: me.id }
}

/**
 * An upload over a raw socket: the request head is written at once, the body is whatever the test
 * writes to `socket` afterwards (so it can stop half-way, or never end).
 */
export function rawUpload(server: OwnServer, auth: Record<string, string>, contentLength: number, contentType: string) {
  const socket = connect(server.port, '127.0.0.1')
  let received = ''
  const closed = new Promise<number>(resolve => socket.on('close', () => resolve(Date.now())))
  socket.on('data', (chunk: Buffer) => { received += chunk.toString('latin1') })
  socket.on('error', () => { /* the server may close first (a refusal, a kill) */ })
  socket.write([
    'POST /api/images/upload HTTP/1.1',
    `Host: 127.0.0.1:${server.port}`,
    `Authorization: ${auth.authorization}`,
    `Content-Type: ${contentType}`,
    `Content-Length: ${contentLength}`,
    '', '',
  ].join('\r\n'))
  return { socket, closed, received: () => received }
}
