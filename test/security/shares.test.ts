import { createDecipheriv, hkdfSync } from 'node:crypto'
import { fetch } from '@nuxt/test-utils/e2e'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import type { SharedViewDto } from '../../shared/contracts/shares'
import { exifTags, hasGps, photo } from '../fixtures/exif'
import { bearer, signUp, upload } from '../setup/api'
import { newAddress } from '../setup/rateLimit'
import { startServer, TEST_SECRET_KEY } from '../setup/server'
import { userId } from '../support/accounts'
import { query } from '../support/db'
import { expectApiError, expectNoLeak } from '../support/errors'
import { cookieOf, expectShareHeaders, makeShare, openShare, unlock } from '../support/shares'

// What a share link must never give away (SPEC §9): a usable token or password in the database, an
// unlimited number of password guesses, the photo's location, or who the owner is.

await startServer({ TRUST_PROXY: '1' })

const PASSWORD = 'a share password'
let owner: { username: string, token: string, id: number }
let imageId: number

beforeAll(async () => {
  const account = await signUp()
  owner = { ...account, id: await userId(account.token) }
  const res = await upload(owner.token, await photo({ make: 'Canon', model: 'EOS R5', taken: '2024:05:06 07:08:09', gps: true, xmpGps: true }), 'located.jpg')
  expect(res.status, await res.clone().text()).toBe(201)
  imageId = (await res.json()).image.id
})

/** Decrypts a stored value the way server/infra/crypto.ts encrypts it: the test knows SECRET_KEY, a dump alone does not. */
function decryptWithSecretKey(stored: string): string {
  const [, iv, body, tag] = stored.split('.') as [string, string, string, string]
  const key = Buffer.from(hkdfSync('sha256', TEST_SECRET_KEY, 'gallery', 'gallery:secret-at-rest', 32))
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
  decipher.setAuthTag(Buffer.from(tag, 'base64url'))
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8')
}

describe('secrets at rest', () => {
  it('keeps neither the token nor the password in the database: a SHA-256, an AES-GCM ciphertext and a bcrypt hash', async () => {
    const share = await makeShare(owner.token, { image_id: imageId, password: PASSWORD })
    const [row] = await query<Record<string, unknown>>('SELECT * FROM shares WHERE id = ?', [share.id])
    const dump = JSON.stringify(row)
    expect(dump).not.toContain(share.token)
    expect(dump).not.toContain(PASSWORD)
    expect(dump).not.toContain(Buffer.from(share.token).toString('base64'))
    expect(dump).not.toContain(Buffer.from(share.token).toString('hex'))
    const { createHash } = await import('node:crypto')
    expect(row!.token_hash).toBe(createHash('sha256').update(share.token).digest('hex'))
    expect(String(row!.password_hash)).toMatch(/^sha256-bcrypt\$\$2[aby]\$10\$/)
    // Re-copyable for the owner: the ciphertext opens with the key derived from SECRET_KEY, and only with it.
    expect(String(row!.token_encrypted)).toMatch(/^v1\./)
    expect(decryptWithSecretKey(String(row!.token_encrypted))).toBe(share.token)
    // Every table of the database, searched whole: the token and the password are nowhere.
    const tables = await query<{ name: string }>('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()')
    for (const { name } of tables) {
      const text = JSON.stringify(await query(`SELECT * FROM \`${name}\``))
      expect(text, name).not.toContain(share.token)
      expect(text, name).not.toContain(PASSWORD)
    }
  })

  it('answers the same ciphertext twice never: a fresh IV each time', async () => {
    const a = await makeShare(owner.token, { image_id: imageId })
    const b = await makeShare(owner.token, { image_id: imageId })
    const rows = await query<{ token_encrypted: string }>('SELECT token_encrypted FROM shares WHERE id IN (?)', [[a.id, b.id]])
    expect(new Set(rows.map(r => r.token_encrypted.split('.')[1])).size).toBe(2)
  })
})

/** Status counts of settled responses; every 429 carries a Retry-After within `maxRetry` seconds. */
async function tally(responses: Array<Promise<Response>>, maxRetry: number): Promise<Record<number, number>> {
  const counts: Record<number, number> = {}
  for (const res of await Promise.all(responses)) {
    counts[res.status] = (counts[res.status] ?? 0) + 1
    expectShareHeaders(res)
    if (res.status === 429) {
      const retry = Number(res.headers.get('retry-after'))
      expect(retry).toBeGreaterThan(0)
      expect(retry).toBeLessThanOrEqual(maxRetry)
    }
    await res.arrayBuffer()
  }
  return counts
}

describe('password guessing', () => {
  it('evaluates at most 5 of 20 parallel wrong passwords from one address; the rest get 429 with Retry-After, and so does the right one', async () => {
    const share = await makeShare(owner.token, { image_id: imageId, password: PASSWORD })
    const address = newAddress()
    const counts = await tally(Array.from({ length: 20 }, (_, i) => unlock(share.token, `wrong guess ${i}`, address)), 15 * 60)
    expect(counts[401]).toBe(5)
    expect(counts[429]).toBe(15)
    const right = await unlock(share.token, PASSWORD, address)
    await expectApiError(right, 429, 'RATE_LIMITED')
    expect(right.headers.getSetCookie()).toEqual([])
    // Another address still gets its own attempts: a back-off per address, not a lock of the share.
    const elsewhere = await unlock(share.token, PASSWORD, newAddress())
    expect(elsewhere.status).toBe(200)
    expect(cookieOf(elsewhere).pair).toMatch(/^gallery_share_\d+=/)
  })

  it('limits a share to 50 attempts an hour across addresses', async () => {
    const share = await makeShare(owner.token, { image_id: imageId, password: PASSWORD })
    const counts = await tally(Array.from({ length: 70 }, (_, i) => unlock(share.token, `wrong guess ${i}`, newAddress())), 3600)
    expect(counts[401]).toBe(50)
    expect(counts[429]).toBe(20)
    await expectApiError(await unlock(share.token, PASSWORD, newAddress()), 429, 'RATE_LIMITED')
  })

  it('keeps one share\'s attempts from locking another share', async () => {
    const a = await makeShare(owner.token, { image_id: imageId, password: PASSWORD })
    const b = await makeShare(owner.token, { image_id: imageId, password: PASSWORD })
    const address = newAddress()
    await tally(Array.from({ length: 6 }, () => unlock(a.token, 'wrong guess', address)), 15 * 60)
    expect((await unlock(b.token, PASSWORD, address)).status).toBe(200)
  })
})

describe('what a share serves', () => {
  it('carries no location in the original, the preview or the thumbnail (the upload had EXIF and XMP GPS)', async () => {
    const share = await makeShare(owner.token, { image_id: imageId, allow_download: true })
    const files: Record<string, Buffer> = {}
    for (const variant of ['original', 'preview', 'thumb']) {
      const res = await fetch(`/api/s/${share.token}/images/${imageId}/file?variant=${variant}`)
      expect(res.status, variant).toBe(200)
      expectShareHeaders(res)
      files[variant] = Buffer.from(await res.arrayBuffer())
      expect(await hasGps(files[variant]), variant).toBe(false)
    }
    // The original keeps its other metadata (losslessly stripped of GPS only); the previews carry none at all.
    expect((await exifTags(files.original!))?.Make).toBe('Canon')
    for (const variant of ['preview', 'thumb']) {
      const meta = await sharp(files[variant]!).metadata()
      expect(meta.format, variant).toBe('webp')
      expect([meta.exif, meta.xmp, meta.iptc], variant).toEqual([undefined, undefined, undefined])
    }
  })

  it('never names the owner: no username or user id in the view, its headers, the files or the errors', async () => {
    const share = await makeShare(owner.token, { image_id: imageId, allow_download: true, password: PASSWORD })
    const locked = await openShare(share.token)
    const lockedText = await locked.text()
    const cookie = cookieOf(await unlock(share.token, PASSWORD, newAddress())).pair
    const res = await openShare(share.token, '', { cookie })
    const text = await res.text()
    const view = JSON.parse(text) as SharedViewDto
    expect(Object.keys(view).sort()).toEqual(['allow_download', 'expires_at', 'images', 'kind', 'title'])
    expect(Object.keys(view.images[0]!).sort()).toEqual(['height', 'id', 'original_url', 'preview_url', 'taken_at', 'thumbnail_url', 'width'])
    const headerText = (r: Response) => JSON.stringify([...r.headers.entries()])
    // The storage keys name the owner's id (`<user id>/<name>`): none may show.
    const [stored] = await query<{ filepath: string, thumbpath: string }>('SELECT filepath, thumbpath FROM images WHERE id = ?', [imageId])
    for (const answer of [text, lockedText, headerText(res), headerText(locked)]) {
      expect(answer).not.toContain(owner.username)
      expect(answer).not.toMatch(/user_?id|username|owner/i)
      expect(answer).not.toContain(stored!.filepath)
      expect(answer).not.toContain(stored!.thumbpath)
      expect(answer).not.toContain('uploads')
    }
    for (const variant of ['original', 'preview', 'thumb']) {
      const file = await fetch(`/api/s/${share.token}/images/${imageId}/file?variant=${variant}`, { headers: { cookie } })
      const bytes = Buffer.from(await file.arrayBuffer())
      expect(bytes.includes(Buffer.from(owner.username)), variant).toBe(false)
      expect(headerText(file)).not.toContain(owner.username)
    }
  })

  it('answers every share path with noindex, no-referrer and private, no-store — the page too', async () => {
    const share = await makeShare(owner.token, { image_id: imageId })
    const page = await fetch(`/s/${share.token}`)
    expect(page.status).toBe(200)
    expectShareHeaders(page)
    const html = await page.text()
    expect(html).toMatch(/<meta name="robots" content="noindex/)
    expect(html).not.toContain(owner.username)
    for (const path of [`/api/s/${share.token}`, `/api/s/${share.token}/images/${imageId}/file?variant=thumb`, `/api/s/${share.token}/nothing-here`, '/api/s/short', `/s/${'A'.repeat(43)}`]) {
      const res = await fetch(path)
      expectShareHeaders(res)
      await res.arrayBuffer()
    }
  })
})

describe('hostile tokens', () => {
  it.each([
    ['10 kB long', 'A'.repeat(10_240)],
    ['percent-encoded path tricks', '..%2F..%2Fapi%2Fimages'],
    ['SQL', `'%20OR%201=1--`],
  ])('answers a %s token with a clean 4xx on every route, and never a 5xx', async (_, token) => {
    for (const res of [
      await fetch(`/api/s/${token}`),
      await fetch(`/api/s/${token}/images/${imageId}/file?variant=thumb`),
      await unlock(token, PASSWORD),
    ]) {
      expect(res.status).toBeGreaterThanOrEqual(400)
      expect(res.status).toBeLessThan(500)
      expectNoLeak(await res.text())
    }
  })

  it('keeps a share cookie from opening anything in the owner\'s account', async () => {
    const share = await makeShare(owner.token, { image_id: imageId, password: PASSWORD })
    const cookie = cookieOf(await unlock(share.token, PASSWORD, newAddress())).pair
    await expectApiError(await fetch('/api/images', { headers: { cookie } }), 401, 'UNAUTHORIZED')
    await expectApiError(await fetch(`/api/images/${imageId}/file?variant=thumb`, { headers: { cookie } }), 401, 'UNAUTHORIZED')
    expect((await fetch('/api/shares', { headers: bearer(owner.token) })).status).toBe(200)
  })
})
