import { createHmac, randomBytes } from 'node:crypto'

/**
 * TOTP as RFC 6238 describes it for authenticator apps: HMAC-SHA-1 (RFC 4226 HOTP with dynamic
 * truncation), 6 digits, 30-second steps from the Unix epoch. Written out here (twenty lines) rather
 * than taken from a library; test/unit/totp.test.ts checks it against the RFC's test vectors.
 */

export const TOTP_PERIOD_S = 30
export const TOTP_DIGITS = 6
/** Steps either side of now that a code may belong to (clock drift, a code typed at a step's end). */
export const TOTP_WINDOW = 1

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

/** RFC 4648 base32 without padding (what authenticator apps read). */
export function base32Encode(bytes: Uint8Array): string {
  let bits = 0
  let value = 0
  let out = ''
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31]
  return out
}

/** Base32 back to bytes; spaces, padding and case are forgiven. Throws on any other character. */
export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=]/g, '').toUpperCase()
  let bits = 0
  let value = 0
  const out: number[] = []
  for (const char of clean) {
    const index = BASE32.indexOf(char)
    if (index < 0) throw new Error('not base32')
    value = ((value << 5) | index) & 0xFFFF
    bits += 5
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xFF)
      bits -= 8
    }
  }
  return Buffer.from(out)
}

/** RFC 4226 HOTP: the `digits`-digit code of `counter` under `key`. */
export function hotp(key: Uint8Array, counter: number, digits = TOTP_DIGITS, algorithm: 'sha1' | 'sha256' | 'sha512' = 'sha1'): string {
  const message = Buffer.alloc(8)
  message.writeBigUInt64BE(BigInt(counter))
  const mac = createHmac(algorithm, key).update(message).digest()
  const offset = mac[mac.length - 1]! & 0x0F // the digest is never empty
  const binary = mac.readUInt32BE(offset) & 0x7FFFFFFF
  return String(binary % 10 ** digits).padStart(digits, '0')
}

/** The 30-second time step of an instant (milliseconds since the epoch). */
export const timeStep = (ms: number) => Math.floor(ms / 1000 / TOTP_PERIOD_S)

/** The TOTP code at an instant. */
export const totpAt = (key: Uint8Array, ms: number, digits = TOTP_DIGITS, algorithm: 'sha1' | 'sha256' | 'sha512' = 'sha1') =>
  hotp(key, timeStep(ms), digits, algorithm)

/**
 * The time steps (newest first) within the window around `ms` whose code is `code`; usually none or
 * one. The caller accepts the step only if it is newer than the last one it accepted (replay guard).
 */
export function matchingSteps(key: Uint8Array, code: string, ms = Date.now()): number[] {
  if (!/^\d{6}$/.test(code)) return []
  const now = timeStep(ms)
  const steps: number[] = []
  for (let step = now + TOTP_WINDOW; step >= now - TOTP_WINDOW; step--) {
    if (hotp(key, step) === code) steps.push(step)
  }
  return steps
}

/** A new random secret: 20 bytes (160 bits, the RFC's recommendation for SHA-1), as base32. */
export const newTotpSecret = () => base32Encode(randomBytes(20))

/** The `otpauth://` URL authenticator apps read from the QR code (Key Uri Format). */
export function otpauthUrl(secret: string, account: string, issuer = 'Gallery'): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`
  const params = new URLSearchParams({ secret, issuer, algorithm: 'SHA1', digits: String(TOTP_DIGITS), period: String(TOTP_PERIOD_S) })
  return `otpauth://totp/${label}?${params.toString()}`
}
