import bcrypt from 'bcryptjs'
import { describe, expect, it } from 'vitest'
import { BCRYPT_COST, hashPassword, verifyPassword } from '../../server/features/auth/passwords'

describe('passwords', () => {
  it('stores a named scheme with bcrypt cost ≥ 10 and verifies it', async () => {
    const stored = await hashPassword('correct horse battery')
    expect(stored).toMatch(/^sha256-bcrypt\$\$2[aby]\$(\d\d)\$/)
    expect(BCRYPT_COST).toBeGreaterThanOrEqual(10)
    expect(await verifyPassword('correct horse battery', stored)).toBe(true)
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false)
  })

  it('does not ignore anything past bcrypt\'s 72-byte limit', async () => {
    const prefix = 'a'.repeat(80)
    const stored = await hashPassword(prefix + 'X')
    expect(await verifyPassword(prefix + 'Y', stored)).toBe(false)
    expect(await verifyPassword(prefix + 'X', stored)).toBe(true)
  })

  it('tells apart 64-character CJK passwords that differ only at the end', async () => {
    const stored = await hashPassword('密'.repeat(63) + '码')
    expect(await verifyPassword('密'.repeat(64), stored)).toBe(false)
  })

  it('still verifies a plain bcrypt hash as the seed\'s Flask app stored it', async () => {
    const legacy = await bcrypt.hash('flask-era password', 10)
    expect(await verifyPassword('flask-era password', legacy)).toBe(true)
    expect(await verifyPassword('other password', legacy)).toBe(false)
  })

  it.each(['', 'plaintext', 'md5$abc'])('refuses an unknown stored value %j', async (stored) => {
    expect(await verifyPassword('anything', stored)).toBe(false)
  })
})
