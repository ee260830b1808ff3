import { createHash, randomBytes } from 'node:crypto'
import { base32Encode } from './totp'

/** How many recovery codes a user gets when two-factor sign-in is turned on. */
export const RECOVERY_CODE_COUNT = 10

/** Ten random codes like `k3m7q-zx2ab` (50 bits each): shown once, stored only as SHA-256. */
export function newRecoveryCodes(): string[] {
  const codes = new Set<string>()
  while (codes.size < RECOVERY_CODE_COUNT) {
    const raw = base32Encode(randomBytes(7)).slice(0, 10).toLowerCase()
    codes.add(`${raw.slice(0, 5)}-${raw.slice(5)}`)
  }
  return [...codes]
}

/** A typed code in its stored form: case, spaces and the dash do not matter. */
export function normalizeRecoveryCode(typed: string): string {
  const raw = typed.toLowerCase().replace(/[\s-]/g, '')
  return raw.length === 10 ? `${raw.slice(0, 5)}-${raw.slice(5)}` : raw
}

export const hashRecoveryCode = (code: string) => createHash('sha256').update(normalizeRecoveryCode(code), 'utf8').digest('hex')
