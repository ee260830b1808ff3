import { fetch } from '@nuxt/test-utils/e2e'
import { describe, expect, it } from 'vitest'
import type { DuplicateImageBody, ImageDto } from '../../shared/contracts/images'
import { bearer, makeImage, signUp, upload } from '../setup/api'
import { startServer } from '../setup/server'
import { userId } from '../support/accounts'
import { imageRows, query, thumbnailsMade } from '../support/db'
import { listFiles, tmpFiles } from '../support/files'
import { photo } from '../fixtures/exif'

const { uploadFolder } = await startServer()

async function firstUpload(token: string, bytes: Buffer, name = 'first.png'): Promise<ImageDto> {
  const res = await upload(token, bytes, name)
  expect(res.status).toBe(201)
  const { image } = await res.json()
  // Its thumbnail made (in the background), so the files on disk stay as they are from here on.
  await thumbnailsMade([image.id])
  return image
}

const jsonRequest = (token: string, method: string, path: string, body: unknown) =>
  fetch(path, { method, headers: { ...bearer(token), 'content-type': 'application/json' }, body: JSON.stringify(body) })

describe('duplicate uploads (SPEC §8)', () => {
  it('answers 409 DUPLICATE_IMAGE with the existing image\'s id, and stores nothing', async () => {
    const { token } = await signUp()
    const id = await userId(token)
    const bytes = await makeImage('png')
    const first = await firstUpload(token, bytes)
    const filesBefore = await listFiles(uploadFolder)
    // Another file name does not make it another photo.
    const res = await upload(token, bytes, 'renamed copy.png')
    expect(res.status).toBe(409)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    const body: DuplicateImageBody = await res.json()
    expect(body).toEqual({ message: '图片已存在于你的图库中', code: 'DUPLICATE_IMAGE', image_id: first.id, in_trash: false })
    expect(await imageRows(id)).toBe(1)
    expect(await listFiles(uploadFolder)).toEqual(filesBefore)
    expect(await tmpFiles(uploadFolder)).toEqual([])
  })

  it('says so when the existing copy is in the trash, and accepts the bytes again once it is deleted for good', async () => {
    const { token } = await signUp()
    const bytes = await photo({ make: 'Acme' })
    const first = await firstUpload(token, bytes, 'first.jpg')
    expect((await fetch(`/api/images/delete/${first.id}`, { method: 'DELETE', headers: bearer(token) })).status).toBe(200)
    const trashed = await upload(token, bytes, 'again.jpg')
    expect(trashed.status).toBe(409)
    expect(await trashed.json()).toMatchObject({ code: 'DUPLICATE_IMAGE', image_id: first.id, in_trash: true })

    expect((await jsonRequest(token, 'DELETE', '/api/trash', { image_ids: [first.id] })).status).toBe(200)
    expect((await upload(token, bytes, 'again.jpg')).status).toBe(201)
  })

  it('does not count another user\'s identical bytes', async () => {
    const alice = await signUp()
    const bob = await signUp()
    const bytes = await makeImage('jpeg')
    await firstUpload(alice.token, bytes, 'shared.jpg')
    const theirs = await firstUpload(bob.token, bytes, 'shared.jpg')
    // Bob's own copy is what a second upload of his names: Alice's image id is never revealed.
    const again = await upload(bob.token, bytes, 'shared.jpg')
    expect(again.status).toBe(409)
    expect((await again.json()).image_id).toBe(theirs.id)
  })

  it('keeps exactly one of 20 parallel uploads of the same new file; the others are 409 naming it', async () => {
    const { token } = await signUp()
    const id = await userId(token)
    // Tiny and without metadata: each upload spends little time before its insert, so they arrive together.
    const bytes = await makeImage('png', 8, 8)
    const filesBefore = await listFiles(uploadFolder)
    const answers = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
      const res = await upload(token, bytes, `race-${i}.png`)
      return { status: res.status, body: await res.json() }
    }))
    const created = answers.filter(a => a.status === 201)
    const refused = answers.filter(a => a.status === 409)
    expect(created).toHaveLength(1)
    expect(refused).toHaveLength(19)
    const winner = created[0]!.body.image.id
    for (const { body } of refused) expect(body).toEqual({ message: expect.any(String), code: 'DUPLICATE_IMAGE', image_id: winner, in_trash: false })

    expect(await query('SELECT id FROM images WHERE user_id = ?', [id])).toEqual([{ id: winner }])
    const [stored] = await query<{ filepath: string, thumbpath: string }>('SELECT filepath, thumbpath FROM images WHERE id = ?', [winner])
    expect(await listFiles(uploadFolder)).toEqual([...filesBefore, stored!.filepath, stored!.thumbpath].sort())
    expect(await tmpFiles(uploadFolder)).toEqual([])
  })
})
