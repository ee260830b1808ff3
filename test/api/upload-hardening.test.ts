import { readdir } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { until } from '../support/files'
import { noiseImage } from '../support/images'
import { fileEpilogue, filePrologue, multipart, type Part } from '../support/multipart'
import { type OwnServer, rawUpload, signUpOn, startOwnServer } from './upload-server'

// Issue 11, points 7, 8 and 10, on a server of this file's own: an idle upload is cut off after 2 s,
// and the fault log is read for this server's process only.
let server: OwnServer
let user: { auth: Record<string, string>, userId: number }
let png: Buffer
let bigPng: Buffer

beforeAll(async () => {
  server = await startOwnServer({ UPLOAD_IDLE_TIMEOUT: '2' })
  user = await signUpOn(server)
  png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#808080' } }).png().toBuffer()
  bigPng = await noiseImage('png', 800, 800) // ~1.9 MB
})
afterAll(async () => { await server?.kill() })

// Each test answers for the faults that appear while it runs.
let faultsBefore = 0
beforeEach(async () => { faultsBefore = (await server.faults()).length })
const newFaults = async () => (await server.faults()).slice(faultsBefore)

const tmpFiles = () => readdir(join(server.uploadFolder, '.tmp')).catch(() => [] as string[])
const storedImages = async () => (await (await server.fetch('/api/images', { headers: user.auth })).json() as unknown[]).length

/** Sends raw multipart bytes (Content-Length set to exactly what is sent) to the upload route. */
function postMultipart(body: Buffer, contentType: string) {
  return server.fetch('/api/images/upload', { method: 'POST', headers: { ...user.auth, 'content-type': contentType }, body: new Uint8Array(body) })
}

/** After a refused request: nothing in .tmp, no image stored, and no uncaught exception in the server. */
async function expectCleanRefusal() {
  expect(await until(async () => (await tmpFiles()).length === 0, 5000)).toBe(true)
  expect(await storedImages()).toBe(0)
  expect(await newFaults()).toEqual([])
}

const file = (filename: string, data: Buffer): Part => ({ name: 'file', filename, type: 'image/png', data })

describe('multipart bodies whose parts arrive before the pipeline could listen (11.7)', () => {
  it('answers 400 TOO_MANY_FILES to two `file` parts, 20 at once, with no uncaught exception and no temporary file', async () => {
    const { body, contentType } = multipart([file('one.png', png), file('two.png', png)])
    const answers = await Promise.all(Array.from({ length: 20 }, () => postMultipart(body, contentType)))
    for (const res of answers) {
      expect(res.status).toBe(400)
      expect(await res.json()).toEqual({ message: expect.any(String), code: 'TOO_MANY_FILES' })
    }
    await expectCleanRefusal()
  })

  it.each<[string, () => { body: Buffer, contentType: string }, number]>([
    ['two `file` parts, the first one large', () => multipart([file('one.png', bigPng), file('two.png', png)]), 400],
    ['a body cut off inside the file part', () => {
      const { body, contentType } = multipart([file('cut.png', bigPng)])
      return { body: body.subarray(0, 300_000), contentType }
    }, 400],
    ['a body cut off right after the file part header', () => ({ body: filePrologue('cut.png'), contentType: multipart([]).contentType }), 400],
    ['a body cut off inside a part under another field name', () => {
      const { body, contentType } = multipart([{ name: 'image', filename: 'a.png', type: 'image/png', data: bigPng }])
      return { body: body.subarray(0, 300_000), contentType }
    }, 400],
    ['a body cut off inside a file part without a name', () => {
      const { body, contentType } = multipart([file('', bigPng)])
      return { body: body.subarray(0, 300_000), contentType }
    }, 400],
    ['a body cut off inside a file part with a refused extension', () => {
      const { body, contentType } = multipart([file('x.exe', bigPng)])
      return { body: body.subarray(0, 300_000), contentType }
    }, 415],
  ])('refuses %s with a 4xx, 10 at once, and nothing uncaught', async (_, make, status) => {
    const { body, contentType } = make()
    const answers = await Promise.all(Array.from({ length: 10 }, () => postMultipart(body, contentType)))
    for (const res of answers) {
      expect(res.status).toBe(status)
      expect(Object.keys(await res.json()).sort()).toEqual(['code', 'message'])
    }
    await expectCleanRefusal()
  })
})

interface ChunkedAnswer { status?: number, text?: string, error?: string }

/**
 * Writes a chunked request over node:http, chunk by chunk, until the server answers or closes the
 * connection; resolves with the answer, or with the error code when the connection went first.
 */
function chunkedRequest(path: string, chunks: () => Generator<Buffer>): Promise<ChunkedAnswer> {
  return new Promise((resolve) => {
    let answered = false
    const req = request({ host: '127.0.0.1', port: server.port, path, method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } })
    req.on('response', (res) => {
      answered = true
      let text = ''
      res.on('data', (c: Buffer) => { text += c })
      res.on('end', () => resolve({ status: res.statusCode!, text }))
    })
    // The answer may still be on its way when writing fails: give it a moment.
    req.on('error', (error: NodeJS.ErrnoException) => setTimeout(() => { if (!answered) resolve({ error: error.code }) }, 500))
    ;(async () => {
      for (const chunk of chunks()) {
        if (answered || req.destroyed) return
        if (!req.write(chunk)) await new Promise(r => req.once('drain', r))
        await new Promise(r => setImmediate(r))
      }
      if (!answered && !req.destroyed) req.end()
    })().catch(() => {})
  })
}

const PAYLOAD_TOO_LARGE = { message: '请求体过大', code: 'PAYLOAD_TOO_LARGE' }

describe('a chunked JSON body over 16 KiB (11.8)', () => {
  it('answers 413 {message, code} to 20 KiB in 1 KiB chunks, 10 at once, with no uncaught exception', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => chunkedRequest('/api/login', function* () {
      yield Buffer.from('{"username":"x","password":"')
      for (let i = 0; i < 20; i++) yield Buffer.alloc(1024, 0x61)
      yield Buffer.from('"}')
    })))
    for (const { status, text } of answers) {
      expect(status).toBe(413)
      expect(JSON.parse(text!)).toEqual(PAYLOAD_TOO_LARGE)
    }
    expect((await server.fetch('/api/health')).status).toBe(200)
    expect(await newFaults()).toEqual([])
  })

  it('cuts off a body that never ends (413, then the connection closes), with no uncaught exception', async () => {
    const answers = await Promise.all(Array.from({ length: 5 }, () => chunkedRequest('/api/login', function* () {
      yield Buffer.from('{"pad":"')
      for (;;) yield Buffer.alloc(4096, 0x61)
    })))
    for (const answer of answers) {
      // A client that keeps writing may see the close before it has parsed the answer.
      if (answer.error) expect(answer.error).toMatch(/^(EPIPE|ECONNRESET)$/)
      else expect({ status: answer.status, body: JSON.parse(answer.text!) }).toEqual({ status: 413, body: PAYLOAD_TOO_LARGE })
    }
    expect((await server.fetch('/api/health')).status).toBe(200)
    expect(await newFaults()).toEqual([])
  })

  it('still reads a chunked JSON body under the limit', async () => {
    const res = await chunkedRequest('/api/login', function* () {
      yield Buffer.from('{"username":"nobody_here",')
      yield Buffer.from('"password":"wrong password"}')
    })
    expect(res.status).toBe(401)
  })
})

/** An upload over a raw socket as this file's user. */
const rawUploadAsUser = (contentLength: number) => rawUpload(server, user.auth, contentLength, multipart([]).contentType)

describe('an upload body that stops arriving (11.10, UPLOAD_IDLE_TIMEOUT=2)', () => {
  it('is cut off after 2 s idle: 408 UPLOAD_TIMEOUT, temporary file deleted, connection closed', async () => {
    const body = Buffer.concat([filePrologue('stalled.png'), bigPng, fileEpilogue()])
    const upload = rawUploadAsUser(body.length)
    upload.socket.write(body.subarray(0, body.length >> 1))
    // The server is writing the upload to disk…
    expect(await until(async () => (await tmpFiles()).length > 0, 3000)).toBe(true)
    const stalledAt = Date.now()
    // …and then hears nothing more.
    const closedAt = await upload.closed
    expect(closedAt - stalledAt).toBeGreaterThan(1000)
    expect(closedAt - stalledAt).toBeLessThan(6000)
    const [head, json] = upload.received().split('\r\n\r\n')
    expect(head).toMatch(/^HTTP\/1\.1 408 /)
    expect(head).toMatch(/\r\nconnection: close\r\n/i)
    expect(JSON.parse(json!)).toEqual({ message: expect.any(String), code: 'UPLOAD_TIMEOUT' })
    await expectCleanRefusal()
  })

  it('is cut off when not one byte of the body arrives', async () => {
    const upload = rawUploadAsUser(100_000)
    await upload.closed
    expect(upload.received()).toMatch(/^HTTP\/1\.1 408 /)
    await expectCleanRefusal()
  })

  it('lets a slow upload through that never pauses for 2 s, although it takes longer in total', async () => {
    const body = Buffer.concat([filePrologue('slow.png'), png, fileEpilogue()])
    const upload = rawUploadAsUser(body.length)
    const pieces = 6
    const size = Math.ceil(body.length / pieces)
    for (let i = 0; i < pieces; i++) {
      upload.socket.write(body.subarray(i * size, (i + 1) * size))
      await new Promise(r => setTimeout(r, 700))
    }
    expect(await until(async () => upload.received().includes('\r\n\r\n{'), 5000)).toBe(true)
    expect(upload.received()).toMatch(/^HTTP\/1\.1 201 /)
    upload.socket.destroy()
    expect(await storedImages()).toBe(1)
    expect(await newFaults()).toEqual([])
  })
})
