import { readdir, readlink } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { query } from '../support/db'
import { until } from '../support/files'
import { noiseImage } from '../support/images'
import { multipart } from '../support/multipart'
import { readZip } from '../support/zip'
import { type OwnServer, signUpOn, startOwnServer } from './upload-server'

// POST /api/images/download streams one original after the other and closes each: counted as the
// server's open file descriptors in /proc, so on the fs run only (vitest.config.ts FS_ONLY; the
// zip itself is tested on both storages by download.test.ts).

describe('streaming', () => {
  // A server of this file's own: its open files are counted in /proc.
  let server: OwnServer
  let auth: Record<string, string>
  let imageIds: number[]
  let storedPaths: string[]

  beforeAll(async () => {
    server = await startOwnServer()
    const user = await signUpOn(server)
    auth = user.auth
    imageIds = []
    for (let i = 0; i < 4; i++) {
      const { body, contentType } = multipart([{ name: 'file', filename: `big${i}.png`, type: 'image/png', data: await noiseImage('png', 900 + i, 900) }])
      const res = await server.fetch('/api/images/upload', { method: 'POST', headers: { ...auth, 'content-type': contentType }, body: new Uint8Array(body) })
      expect(res.status).toBe(201)
      imageIds.push((await res.json()).image.id)
    }
    const rows = await query<{ filepath: string }>('SELECT filepath FROM images WHERE id IN (?)', [imageIds])
    storedPaths = rows.map(r => join(server.uploadFolder, r.filepath))
  })
  afterAll(async () => { await server?.kill() })

  /** Descriptors the server holds on the stored originals. */
  async function openOriginals(): Promise<number> {
    const dir = `/proc/${server.pid}/fd`
    const targets = await Promise.all((await readdir(dir)).map(fd => readlink(join(dir, fd)).catch(() => '')))
    return targets.filter(target => storedPaths.includes(target)).length
  }

  it('opens one original at a time, and closes it when the client goes away mid-zip', async () => {
    const socket = connect(server.port, '127.0.0.1')
    socket.on('error', () => {})
    let received = 0
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length
      // Stop reading: the archive waits on back-pressure with the current original open.
      socket.pause()
    })
    const body = JSON.stringify({ image_ids: imageIds })
    socket.write(`POST /api/images/download HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAuthorization: ${auth.authorization}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
    expect(await until(async () => received > 0 && await openOriginals() === 1, 5000)).toBe(true)
    socket.destroy()
    expect(await until(async () => await openOriginals() === 0, 5000)).toBe(true)
    expect(await server.faults()).toEqual([])
    // The server goes on serving.
    const res = await server.fetch('/api/images/download', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body })
    expect(readZip(Buffer.from(await res.arrayBuffer())).map(e => e.name)).toEqual(['big0.png', 'big1.png', 'big2.png', 'big3.png'])
    expect(await until(async () => await openOriginals() === 0, 5000)).toBe(true)
  })
})
