import { readdir, readlink } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { query } from '../support/db'
import { until } from '../support/files'
import { noiseImage } from '../support/images'
import { multipart } from '../support/multipart'
import { type OwnServer, signUpOn, startOwnServer } from './upload-server'

// Serving reads through the storage interface; a download the client abandons must not keep the
// object open (file descriptors are a limited resource: a few thousand abandoned downloads would
// exhaust them). Checked in /proc on a server of this file's own.
let server: OwnServer
let user: { auth: Record<string, string>, userId: number }
let image: { id: number, url: string }
let storedPath: string

beforeAll(async () => {
  server = await startOwnServer()
  user = await signUpOn(server)
  const { body, contentType } = multipart([{ name: 'file', filename: 'large.png', type: 'image/png', data: await noiseImage('png', 1600, 1600) }])
  const res = await server.fetch('/api/images/upload', { method: 'POST', headers: { ...user.auth, 'content-type': contentType }, body: new Uint8Array(body) })
  expect(res.status).toBe(201)
  image = (await res.json()).image
  const [row] = await query<{ filepath: string }>('SELECT filepath FROM images WHERE id = ?', [image.id])
  storedPath = join(server.uploadFolder, row!.filepath)
})
afterAll(async () => { await server?.kill() })

/** How many descriptors the server process holds on the stored original. */
async function openDescriptors(): Promise<number> {
  const dir = `/proc/${server.pid}/fd`
  const targets = await Promise.all((await readdir(dir)).map(fd => readlink(join(dir, fd)).catch(() => '')))
  return targets.filter(target => target === storedPath).length
}

describe('serving from storage', () => {
  it('closes the stored file when the client goes away in the middle of a download', async () => {
    const socket = connect(server.port, '127.0.0.1')
    socket.on('error', () => {})
    let received = 0
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length
      // Stop reading after the first bytes: the server's stream waits on back-pressure, file open.
      socket.pause()
    })
    socket.write(`GET ${image.url} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAuthorization: ${user.auth.authorization}\r\n\r\n`)
    expect(await until(async () => received > 0 && await openDescriptors() === 1, 5000)).toBe(true)
    socket.destroy()
    expect(await until(async () => await openDescriptors() === 0, 5000)).toBe(true)
    expect(await server.faults()).toEqual([])
  })

  it('closes the stored file after a complete download and after a ranged one', async () => {
    for (const range of [undefined, 'bytes=100-199']) {
      const res = await server.fetch(image.url, { headers: { ...user.auth, ...(range ? { range } : {}) } })
      expect(res.status).toBe(range ? 206 : 200)
      await res.arrayBuffer()
    }
    expect(await until(async () => await openDescriptors() === 0, 5000)).toBe(true)
  })
})
