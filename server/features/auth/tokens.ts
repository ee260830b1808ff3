import { randomBytes } from 'node:crypto'
import { jwtVerify, SignJWT } from 'jose'
import { useConfig } from '../../infra/config'

export interface TokenClaims { userId: number, sessionId: string, jti: string, exp: number }

let key: Uint8Array | undefined
const signingKey = () => (key ??= new TextEncoder().encode(useConfig().jwtSecret))

/** 128 random bits, base64url: session ids and token ids. */
export const randomId = () => randomBytes(16).toString('base64url')

/** Signs an HS256 token for a session. `exp` never outlives the session. */
export async function signToken(userId: number, sessionId: string, jti: string, sessionExpiresAt: Date): Promise<{ token: string, exp: number }> {
  const now = Math.floor(Date.now() / 1000)
  const exp = Math.min(now + useConfig().jwtExpiration, Math.floor(sessionExpiresAt.getTime() / 1000))
  const token = await new SignJWT({ user_id: userId, sid: sessionId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(userId))
    .setJti(jti)
    .setIssuedAt(now)
    .setExpirationTime(exp)
    .sign(signingKey())
  return { token, exp }
}

const CLOCK_TOLERANCE = 5

/**
 * Tokens whose signature and claims already verified, by their exact text (a client sends the same
 * token on every request; the HMAC check was a fifth of the server's CPU under load). Bounded; expiry
 * is still checked on every use, and revocation is the session lookup's job, not this cache's.
 */
const verified = new Map<string, TokenClaims>()
const VERIFIED_MAX = 10_000

/**
 * Verifies signature (HS256 only), expiry and the claims we rely on. Returns undefined for any bad token.
 * `expiredWithin` (seconds) also accepts a token that expired no longer ago than that: only for
 * renewing a session that is still live (see renewSession).
 */
export async function verifyToken(token: string, { expiredWithin = 0 } = {}): Promise<TokenClaims | undefined> {
  if (token.length > 2048) return undefined
  if (expiredWithin > 0) return verifySignedToken(token, expiredWithin)
  const known = verified.get(token)
  if (known) {
    if (known.exp + CLOCK_TOLERANCE > Date.now() / 1000) return known
    verified.delete(token)
    return undefined
  }
  const claims = await verifySignedToken(token, CLOCK_TOLERANCE)
  if (claims) {
    if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!)
    verified.set(token, claims)
  }
  return claims
}

async function verifySignedToken(token: string, clockTolerance: number): Promise<TokenClaims | undefined> {
  try {
    const { payload } = await jwtVerify(token, signingKey(), {
      algorithms: ['HS256'],
      requiredClaims: ['exp', 'iat', 'sub', 'jti'],
      clockTolerance,
    })
    const userId = Number(payload.sub)
    if (!Number.isSafeInteger(userId) || payload.user_id !== userId) return undefined
    if (typeof payload.sid !== 'string' || typeof payload.jti !== 'string') return undefined
    return { userId, sessionId: payload.sid, jti: payload.jti, exp: payload.exp! }
  }
  catch {
    // Any failure (bad signature, algorithm, expiry, malformed input) is simply "not authenticated".
    return undefined
  }
}
