import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

// Secrets at rest (server/infra/crypto.ts): share tokens and TOTP secrets are stored AES-256-GCM
// encrypted under a key derived from SECRET_KEY; a stored value opens only with that SECRET_KEY.

const saved = { ...process.env }
const KEY_A = 'unit-secret-key-a-0123456789-abcdefghijklmnopqrstuvwxyz'
const KEY_B = 'unit-secret-key-b-0123456789-abcdefghijklmnopqrstuvwxyz'

async function withKey(secretKey: string) {
  Object.assign(process.env, { NODE_ENV: 'development', GALLERY_DATA_DIR: mkdtempSync(join(tmpdir(), 'gallery-crypto-')), SECRET_KEY: secretKey })
  vi.resetModules()
  return import('../../server/infra/crypto')
}

beforeEach(() => vi.resetModules())
afterEach(() => {
  process.env = { ...saved }
})

describe('encryptSecret / decryptSecret', () => {
  it.each([
    ['a share token', 'eNQSaKxbidY1pQ9-1Np1DILu9k041io9q9mlOnvgrqk'],
    ['a TOTP secret', 'JBSWY3DPEHPK3PXP'],
    ['text in any script', '分享 🔗 ünïcödé'],
    ['the empty string', ''],
  ])('round-trips %s, never storing it in clear', async (_, plain) => {
    const { encryptSecret, decryptSecret } = await withKey(KEY_A)
    const stored = encryptSecret(plain)
    expect(stored).toMatch(/^v1\.[\w-]+\.[\w-]*\.[\w-]+$/)
    if (plain) expect(stored).not.toContain(plain)
    expect(decryptSecret(stored)).toBe(plain)
  })

  it('uses a fresh IV each time: the same secret never gives the same stored value', async () => {
    const { encryptSecret } = await withKey(KEY_A)
    const values = new Set(Array.from({ length: 50 }, () => encryptSecret('same')))
    expect(values.size).toBe(50)
  })

  it.each([
    ['the IV', 1],
    ['the ciphertext', 2],
    ['the tag', 3],
  ])('refuses a stored value whose %s was altered', async (_, part) => {
    const { encryptSecret, decryptSecret } = await withKey(KEY_A)
    const pieces = encryptSecret('a secret worth keeping').split('.')
    const bytes = Buffer.from(pieces[part]!, 'base64url')
    bytes[0] = bytes[0]! ^ 1
    pieces[part] = bytes.toString('base64url')
    expect(() => decryptSecret(pieces.join('.'))).toThrow()
  })

  it.each(['', 'plain text', 'v2.a.b.c', 'v1.a.b', 'v1.a.b.c.d'])('refuses %j, which is not a stored secret', async (value) => {
    const { decryptSecret } = await withKey(KEY_A)
    expect(() => decryptSecret(value)).toThrow()
  })

  it('opens only with the SECRET_KEY it was made with', async () => {
    const stored = (await withKey(KEY_A)).encryptSecret('token')
    const other = await withKey(KEY_B)
    expect(() => other.decryptSecret(stored)).toThrow()
    expect((await withKey(KEY_A)).decryptSecret(stored)).toBe('token')
  })
})

describe('signValue', () => {
  it('is stable for one purpose and differs between purposes and keys', async () => {
    const a = await withKey(KEY_A)
    expect(a.signValue('share-unlock', '7.x')).toBe(a.signValue('share-unlock', '7.x'))
    expect(a.signValue('share-unlock', '7.x')).not.toBe(a.signValue('share-unlock', '8.x'))
    expect(a.signValue('share-unlock', '7.x')).not.toBe(a.signValue('other-purpose', '7.x'))
    const first = a.signValue('share-unlock', '7.x')
    expect((await withKey(KEY_B)).signValue('share-unlock', '7.x')).not.toBe(first)
  })
})
