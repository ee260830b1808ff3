import { describe, expect, it } from 'vitest'
import { base32Decode, base32Encode, hotp, matchingSteps, newTotpSecret, otpauthUrl, timeStep, totpAt } from '../../server/features/twofactor/totp'
import { normalizeRecoveryCode, newRecoveryCodes } from '../../server/features/twofactor/recovery'

// RFC 6238 appendix B: the seeds are the ASCII digits repeated to the hash's key length.
const SEEDS = {
  sha1: Buffer.from('12345678901234567890', 'ascii'),
  sha256: Buffer.from('12345678901234567890123456789012', 'ascii'),
  sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234', 'ascii'),
} as const

const RFC6238 = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
] as const

// RFC 4226 appendix D: HOTP of counters 0–9 under the SHA-1 seed.
const RFC4226 = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489']

describe('TOTP (RFC 6238)', () => {
  it.each(RFC6238)('at %i s gives the RFC\'s SHA-1, SHA-256 and SHA-512 codes', (seconds, sha1, sha256, sha512) => {
    expect(totpAt(SEEDS.sha1, seconds * 1000, 8, 'sha1')).toBe(sha1)
    expect(totpAt(SEEDS.sha256, seconds * 1000, 8, 'sha256')).toBe(sha256)
    expect(totpAt(SEEDS.sha512, seconds * 1000, 8, 'sha512')).toBe(sha512)
  })

  it('uses SHA-1 and 6 digits by default (the last 6 of the RFC\'s 8)', () => {
    for (const [seconds, sha1] of RFC6238) expect(totpAt(SEEDS.sha1, seconds * 1000)).toBe(sha1.slice(2))
  })

  it.each(RFC4226.map((code, counter) => [counter, code] as const))('HOTP of counter %i is %s (RFC 4226)', (counter, code) => {
    expect(hotp(SEEDS.sha1, counter)).toBe(code)
  })

  it('accepts the code of the previous, current and next step and nothing further', () => {
    const now = 1_700_000_000_000
    const step = timeStep(now)
    for (const offset of [-1, 0, 1]) expect(matchingSteps(SEEDS.sha1, hotp(SEEDS.sha1, step + offset), now)).toContain(step + offset)
    for (const offset of [-3, -2, 2, 3]) expect(matchingSteps(SEEDS.sha1, hotp(SEEDS.sha1, step + offset), now)).not.toContain(step + offset)
  })

  it.each(['', '12345', '1234567', 'abcdef', '12 345', '１２３４５６'])('never matches the malformed code %j', (code) => {
    expect(matchingSteps(SEEDS.sha1, code)).toEqual([])
  })
})

describe('base32 and the otpauth URL', () => {
  it('round-trips bytes through base32 (RFC 4648 vectors)', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI')
    expect(base32Encode(Buffer.from('f'))).toBe('MY')
    expect(base32Decode('mzxw 6ytb oi==').toString()).toBe('foobar')
    expect(base32Decode(base32Encode(SEEDS.sha1))).toEqual(SEEDS.sha1)
    expect(() => base32Decode('MZXW1')).toThrow()
  })

  it('makes 160-bit secrets that differ each time', () => {
    const a = newTotpSecret()
    expect(a).toMatch(/^[A-Z2-7]{32}$/)
    expect(base32Decode(a)).toHaveLength(20)
    expect(newTotpSecret()).not.toBe(a)
  })

  it('names issuer, account and parameters in the otpauth URL', () => {
    const url = new URL(otpauthUrl('MZXW6YTBOI', 'ann lee'))
    expect(url.protocol).toBe('otpauth:')
    expect(url.host).toBe('totp')
    expect(decodeURIComponent(url.pathname)).toBe('/Gallery:ann lee')
    expect(Object.fromEntries(url.searchParams)).toEqual({ secret: 'MZXW6YTBOI', issuer: 'Gallery', algorithm: 'SHA1', digits: '6', period: '30' })
  })
})

describe('recovery codes', () => {
  it('makes ten distinct codes that normalize to themselves', () => {
    const codes = newRecoveryCodes()
    expect(codes).toHaveLength(10)
    expect(new Set(codes).size).toBe(10)
    for (const code of codes) {
      expect(code).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/)
      expect(normalizeRecoveryCode(code)).toBe(code)
    }
  })

  it.each([[' ABCDE-FGHIJ ', 'abcde-fghij'], ['abcdefghij', 'abcde-fghij'], ['abcde fghij', 'abcde-fghij']])('reads %j as %j', (typed, code) => {
    expect(normalizeRecoveryCode(typed)).toBe(code)
  })
})
