import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto'
import { useConfig } from './config'

/**
 * Secrets the server must read back (a share's token for its owner, a TOTP secret) are stored
 * AES-256-GCM encrypted with a key derived from SECRET_KEY (HKDF-SHA256), never in clear: a database
 * dump alone is not enough to use them. Keys for other purposes (cookie signatures) are derived from
 * the same secret under other names, so no key serves two purposes.
 */

const FORMAT = 'v1'
const IV_BYTES = 12
const TAG_BYTES = 16

const keys = new Map<string, Buffer>()

/** A 32-byte key for `purpose`, derived once from SECRET_KEY. */
export function derivedKey(purpose: string): Buffer {
  let key = keys.get(purpose)
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', useConfig().secretKey, 'gallery', `gallery:${purpose}`, 32))
    keys.set(purpose, key)
  }
  return key
}

/** `plain` encrypted for storage: `v1.<iv>.<ciphertext>.<tag>` (base64url), a fresh random IV each time. */
export function encryptSecret(plain: string): string {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', derivedKey('secret-at-rest'), iv)
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
  return [FORMAT, iv, body, cipher.getAuthTag()].map(part => (typeof part === 'string' ? part : part.toString('base64url'))).join('.')
}

/** The plain text of a value made by encryptSecret; throws when it was altered or made with another SECRET_KEY. */
export function decryptSecret(stored: string): string {
  const [format, iv, body, tag, ...rest] = stored.split('.')
  if (format !== FORMAT || iv === undefined || body === undefined || tag === undefined || rest.length) throw new Error('not an encrypted secret')
  const decipher = createDecipheriv('aes-256-gcm', derivedKey('secret-at-rest'), Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES })
  decipher.setAuthTag(Buffer.from(tag, 'base64url'))
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8')
}

/** HMAC-SHA256 (base64url) of `data` under the key derived for `purpose`. */
export function signValue(purpose: string, data: string): string {
  return createHmac('sha256', derivedKey(purpose)).update(data, 'utf8').digest('base64url')
}
