import { randomBytes } from 'node:crypto'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import mysql from 'mysql2/promise'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { query, thumbnailsMade } from '../support/db'
import { listFiles, until } from '../support/files'
import { blankBilevelPng } from '../support/images'
import { BOUNDARY, fileEpilogue, filePrologue, multipart } from '../support/multipart'
import { type OwnServer, rawUpload, scratchFolder, signUpOn, startOwnServer } from './upload-server'

// Issue 11.12: SIGKILL the server at each step of the upload pipeline, restart it on the same upload
// folder and database with ORPHAN_GRACE_SECONDS=0, and prove that the crash left either the whole
// image or nothing: no temporary file, no file without a row, no row without its files.
//
// How each step is reached without a hook in the server (each kill point is observed from outside,
// and the disk state right after the kill is asserted, so a missed step fails instead of passing):
//  1. body streaming: the client sends half the body and waits; the partial temporary file appears.
//  2. file received, request not finished: the file part is followed by the start of another part
//     that never ends; the temporary file reaches the file's exact size while the server waits.
//  3. row inserted, thumbnail not made yet (it follows in the background): a 1-bit 10000×10000 PNG
//     (10 KB, at the 100 MP limit) takes the decoder about a second; the kill lands once its row is
//     visible, still `variants_pending`. The restarted server makes the thumbnail from the queue the
//     pending rows are.
//  4. original in place, row not inserted: the test holds the user's row lock (`SELECT … FOR UPDATE`),
//     which the insert's transaction takes first (one upload of a user at a time: duplicates), so it
//     waits after the original is renamed into place; the server is killed, and its waiting
//     transaction with it (KILL on that connection: a dead process's statement must not commit when
//     the lock goes).
//  5. row inserted, answer not yet read: the kill lands once the row is visible.
// The checks between 2 and 4 (header, structure, EXIF) read the temporary file without a wait the
// test could hold; a crash there leaves the temporary file of state 2.

const folder = await scratchFolder()
let server: OwnServer
let user: { auth: Record<string, string>, userId: number }
let control: { id: number, bytes: Buffer }
let png: Buffer, bigPng: Buffer

beforeAll(async () => {
  server = await startOwnServer({}, folder)
  user = await signUpOn(server)
  png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3a7bd5' } }).png().toBuffer()
  bigPng = await sharp(randomBytes(700 * 700 * 3), { raw: { width: 700, height: 700, channels: 3 } }).png().toBuffer()
  // An image stored before any crash: every sweep must leave it whole.
  const res = await upload(png, 'control.png')
  expect(res.status).toBe(201)
  control = { id: (await res.json()).image.id, bytes: png }
  // Its thumbnail (made in the background, through .tmp on S3) is done before step 1 lists .tmp.
  await thumbnailsMade([control.id])
})
afterAll(async () => { await server?.kill() })

function upload(bytes: Buffer, filename: string) {
  const { body, contentType } = multipart([{ name: 'file', filename, type: 'image/png', data: bytes }])
  return server.fetch('/api/images/upload', { method: 'POST', headers: { ...user.auth, 'content-type': contentType }, body: new Uint8Array(body) })
}

/** An image not uploaded before (the control's bytes again would be a 409 duplicate, stored nowhere). */
const anotherPng = () => sharp(randomBytes(32 * 24 * 3), { raw: { width: 32, height: 24, channels: 3 } }).png().toBuffer()

/** The user's stored objects by name (files under the folder on fs, the folder's bucket on S3). */
const storedFiles = async () => (await listFiles(folder)).filter(key => key.startsWith(`${user.userId}/`)).map(key => key.split('/')[1]!).sort()
const tempFiles = async () => (await readdir(join(folder, '.tmp')).catch(() => [] as string[])).sort()
const tempSizes = async () => Promise.all((await tempFiles()).map(async name => ({ name, size: (await stat(join(folder, '.tmp', name)).catch(() => ({ size: -1 }))).size })))
const userRows = () => query<{ id: number, filename: string, filepath: string, thumbpath: string, pending: number }>('SELECT id, filename, filepath, thumbpath, variants_pending AS pending FROM images WHERE user_id = ?', [user.userId])

/** Kills the server and returns what the crash left behind. */
async function crash() {
  await server.kill()
  return { temp: await tempFiles(), stored: await storedFiles() }
}

async function restart() {
  server = await startOwnServer({ ORPHAN_GRACE_SECONDS: '0' }, folder)
}

/** The whole image or nothing: files and rows agree exactly (thumbnails made), no temporary file, the control image intact. */
async function expectWholeOrNothing() {
  // Thumbnails cut off by the crash are made by the restarted server's queue.
  expect(await until(async () => (await userRows()).every(r => !r.pending), 10_000, 100)).toBe(true)
  const rows = await userRows()
  const expected = rows.flatMap(r => [r.filepath, r.thumbpath]).map(key => key.split('/')[1]!).sort()
  // The consistency sweep runs in the background once the server is up.
  await until(async () => JSON.stringify(await storedFiles()) === JSON.stringify(expected) && (await tempFiles()).length === 0, 10_000, 100)
  expect({ stored: await storedFiles(), temp: await tempFiles() }).toEqual({ stored: expected, temp: [] })
  const served = await server.fetch(`/api/images/${control.id}/file`, { headers: user.auth })
  expect(served.status).toBe(200)
  expect(Buffer.from(await served.arrayBuffer()).equals(control.bytes)).toBe(true)
  expect(await server.faults()).toEqual([])
  return rows
}

describe('a crash at each step of the upload pipeline leaves the whole image or nothing (ORPHAN_GRACE_SECONDS=0 on restart)', () => {
  it('1. while the body streams into the temporary file', async () => {
    const body = Buffer.concat([filePrologue('streaming.png'), bigPng, fileEpilogue()])
    const client = rawUpload(server, user.auth, body.length, multipart([]).contentType)
    client.socket.write(body.subarray(0, body.length >> 1))
    expect(await until(async () => (await tempSizes()).some(t => t.size > 0), 5000)).toBe(true)
    expect((await crash()).temp).toEqual([expect.stringMatching(/\.upload$/)])
    client.socket.destroy()
    await restart()
    expect((await expectWholeOrNothing()).map(r => r.filename)).toEqual(['control.png'])
  })

  it('2. with the file received whole and the request not finished', async () => {
    const body = Buffer.concat([
      filePrologue('received.png'), bigPng,
      Buffer.from(`\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\nnever finished`),
    ])
    const client = rawUpload(server, user.auth, body.length + 1000, multipart([]).contentType)
    client.socket.write(body)
    expect(await until(async () => (await tempSizes()).some(t => t.size === bigPng.length), 5000)).toBe(true)
    expect((await crash()).temp).toEqual([expect.stringMatching(/\.upload$/)])
    client.socket.destroy()
    await restart()
    expect((await expectWholeOrNothing()).map(r => r.filename)).toEqual(['control.png'])
  })

  it('3. with the row inserted and its thumbnail still being made in the background', async () => {
    const slow = blankBilevelPng(10_000, 10_000) // tiny on the wire, about a second to decode
    const storedBefore = await storedFiles()
    const res = await upload(slow, 'slow.png')
    expect(res.status).toBe(201)
    const { image } = await res.json()
    const [row] = (await userRows()).filter(r => r.id === image.id)
    expect(row!.pending).toBe(1)
    const left = await crash()
    // The original is stored, the thumbnail is not (nor half of it: it is written to .tmp, then moved).
    expect(left.stored.filter(name => !storedBefore.includes(name))).toEqual([row!.filepath.split('/')[1]])
    await restart()
    expect((await expectWholeOrNothing()).map(r => r.filename).sort()).toEqual(['control.png', 'slow.png'])
    const thumb = await server.fetch(image.thumbnail_url, { headers: user.auth })
    expect(thumb.status).toBe(200)
    expect(thumb.headers.get('content-type')).toBe('image/webp')
    // Clean up, so later steps start from the control image alone.
    expect((await server.fetch(`/api/images/delete/${image.id}`, { method: 'DELETE', headers: user.auth })).status).toBe(200)
    const purge = await server.fetch('/api/trash', { method: 'DELETE', headers: { ...user.auth, 'content-type': 'application/json' }, body: JSON.stringify({ image_ids: [image.id] }) })
    expect(purge.status).toBe(200)
    // The purge answers once the row is gone; its files follow: step 4 counts the stored files.
    const purged = [row!.filepath, row!.thumbpath].map(key => key.split('/')[1]!)
    expect(await until(async () => !(await storedFiles()).some(name => purged.includes(name)), 5000)).toBe(true)
  })

  it('4. with both files moved into place and the row not inserted', async () => {
    const filename = `locked-${randomBytes(4).toString('hex')}.png`
    const storedBefore = await storedFiles()
    const lock = await mysql.createConnection({ host: '127.0.0.1', user: 'root', database: inject('dbName') })
    try {
      await lock.query('START TRANSACTION')
      await lock.query('SELECT id FROM users WHERE id = ? FOR UPDATE', [user.userId])
      const answer = upload(await anotherPng(), filename).catch(() => undefined)
      // Original in place, nothing left in .tmp, and the insert queued behind our lock.
      const waiter = async () => (await lock.query<mysql.RowDataPacket[]>(`SELECT r.trx_mysql_thread_id AS ID FROM information_schema.INNODB_LOCK_WAITS w
        JOIN information_schema.INNODB_TRX r ON r.trx_id = w.requesting_trx_id JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id
        WHERE b.trx_mysql_thread_id = CONNECTION_ID()`))[0]
      expect(await until(async () => (await storedFiles()).length === storedBefore.length + 1 && (await tempFiles()).length === 0 && (await waiter()).length === 1, 10_000)).toBe(true)
      const left = await crash()
      expect(left.temp).toEqual([])
      expect(left.stored.filter(name => !storedBefore.includes(name))).toEqual([expect.stringMatching(/^[0-9a-f]{32}\.png$/)])
      // The dead server's transaction is still queued behind the lock: end it, as the crash would have.
      const waiting = await waiter()
      expect(waiting).toHaveLength(1)
      await lock.query(`KILL ${Number(waiting[0]!.ID)}`)
      await answer
    }
    finally {
      await lock.query('ROLLBACK')
      await lock.end()
    }
    await restart()
    expect((await expectWholeOrNothing()).map(r => r.filename)).toEqual(['control.png'])
  })

  it('5. with the row inserted and the answer not yet read', async () => {
    const filename = `committed-${randomBytes(4).toString('hex')}.png`
    const bytes = await anotherPng()
    const answer = upload(bytes, filename).catch(() => undefined)
    expect(await until(async () => (await userRows()).some(r => r.filename === filename), 10_000)).toBe(true)
    await crash()
    await answer
    await restart()
    const rows = await expectWholeOrNothing()
    expect(rows.map(r => r.filename).sort()).toEqual(['control.png', filename].sort())
    const image = rows.find(r => r.filename === filename)!
    const served = await server.fetch(`/api/images/${image.id}/file`, { headers: user.auth })
    expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true)
  })
})
