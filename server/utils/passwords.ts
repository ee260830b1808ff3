import { createHash, randomBytes } from 'node:crypto'
import bcrypt from 'bcryptjs'

export const BCRYPT_COST = 10

/** Stored-value prefix for passwords pre-hashed with SHA-256 before bcrypt (so no byte past 72 is ignored). */
const SCHEME = 'sha256-bcrypt$'

/** base64(SHA-256(password)): 44 ASCII bytes, well under bcrypt's 72-byte limit, never contains NUL. */
const prehash = (password: string) => createHash('sha256').update(password, 'utf8').digest('base64')

/** Hashes a password for storage; the stored value names its scheme. */
export async function hashPassword(password: string): Promise<string> {
  return SCHEME + await bcrypt.hash(prehash(password), BCRYPT_COST)
}

/** Checks a password against a stored value: our scheme, or a plain bcrypt hash as the seed's Flask app stored. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (stored.startsWith(SCHEME)) return bcrypt.compare(prehash(password), stored.slice(SCHEME.length))
  if (/^\$2[aby]\$\d\d\$/.test(stored)) return bcrypt.compare(password, stored)
  return false
}

let dummyHash: Promise<string> | undefined

/** Spends the same work as a real check, for unknown usernames (no timing oracle). */
export async function burnPasswordCheck(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'))
  await verifyPassword(password, await dummyHash)
  return false
}
