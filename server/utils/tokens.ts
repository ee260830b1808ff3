import { randomBytes } from 'node:crypto'
import { jwtVerify, SignJWT } from 'jose'
import { useConfig } from './config'

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

/** Verifies signature (HS256 only), expiry and the claims we rely on. Returns undefined for any bad token. */
export async function verifyToken(token: string): Promise<TokenClaims | undefined> {
  if (token.length > 2048) return undefined
  try {
    const { payload } = await jwtVerify(token, signingKey(), {
      algorithms: ['HS256'],
      requiredClaims: ['exp', 'iat', 'sub', 'jti'],
      clockTolerance: 5,
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
