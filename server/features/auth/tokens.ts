import { randomBytes } from 'node:crypto'
import { jwtVerify, SignJWT } from 'jose'
import { useConfig } from '../../infra/config'

export interface TokenClaims {
  userId: number
  sessionId: string
  jti: string
  exp: number
  /** Issued for the httpOnly cookie (claim `ck`): the only kind of token ever renewed after it expired. */
  cookie: boolean
}

/** The two tokens of one session state: the JSON answer's, and the cookie's own (marked `ck`, SPEC §5). */
export interface SessionTokens { token: string, cookieToken: string, exp: number, sessionExpiresAt: Date }

let key: Uint8Array | undefined
const signingKey = () => (key ??= new TextEncoder().encode(useConfig().jwtSecret))

/** 128 random bits, base64url: session ids and token ids. */
export const randomId = () => randomBytes(16).toString('base64url')

/**
 * Signs an HS256 token for a session. `exp` never outlives the session. `cookie` marks a token for the
 * httpOnly cookie: such a token is never put in a JSON answer, so a token that leaked from one (logs,
 * a script, a copy-paste) cannot be renewed once it expired.
 */
export async function signToken(userId: number, sessionId: string, jti: string, sessionExpiresAt: Date, { cookie = false, now = Math.floor(Date.now() / 1000) } = {}): Promise<{ token: string, exp: number }> {
  const exp = Math.min(now + useConfig().jwtExpiration, Math.floor(sessionExpiresAt.getTime() / 1000))
  const token = await new SignJWT(cookie ? { user_id: userId, sid: sessionId, ck: true } : { user_id: userId, sid: sessionId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(userId))
    .setJti(jti)
    .setIssuedAt(now)
    .setExpirationTime(exp)
    .sign(signingKey())
  return { token, exp }
}

/** The JSON token and the cookie token of a session's current jti, with the same timing. */
export async function signSessionTokens(userId: number, sessionId: string, jti: string, sessionExpiresAt: Date): Promise<SessionTokens> {
  const now = Math.floor(Date.now() / 1000)
  const [json, cookie] = await Promise.all([
    signToken(userId, sessionId, jti, sessionExpiresAt, { now }),
    signToken(userId, sessionId, jti, sessionExpiresAt, { now, cookie: true }),
  ])
  return { token: json.token, cookieToken: cookie.token, exp: json.exp, sessionExpiresAt }
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
 * renewing a live session from its own cookie token, and for logout (features/auth/guard.ts).
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
    // jose checked `exp` (requiredClaims): it is a number here.
    return { userId, sessionId: payload.sid, jti: payload.jti, exp: payload.exp!, cookie: payload.ck === true }
  }
  catch {
    // Any failure (bad signature, algorithm, expiry, malformed input) is simply "not authenticated".
    return undefined
  }
}
