import { randomBytes } from 'node:crypto'
import { SignJWT } from 'jose'

// Tokens taken apart and forged.

export const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

export function decodeToken(token: string): { header: Record<string, unknown>, payload: Record<string, unknown>, signature: string } {
  const [h, p, s] = token.split('.')
  return { header: JSON.parse(Buffer.from(h!, 'base64url').toString()), payload: JSON.parse(Buffer.from(p!, 'base64url').toString()), signature: s! }
}

/** Signs arbitrary claims with an arbitrary HMAC key and algorithm (HS256/384/512). */
export async function signWith(payload: Record<string, unknown>, key: string | Uint8Array, alg = 'HS256', header: Record<string, unknown> = {}): Promise<string> {
  const secret = typeof key === 'string' ? new TextEncoder().encode(key) : key
  return new SignJWT(payload).setProtectedHeader({ typ: 'JWT', ...header, alg }).sign(secret)
}

export const randomKey = () => randomBytes(32)
