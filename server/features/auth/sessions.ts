import { and, desc, eq, gt, inArray, isNull, lt, ne, or, sql } from 'drizzle-orm'
import { useConfig } from '../../infra/config'
import { tables, useDb } from '../../infra/db'
import { apiError, unauthorized } from '../../infra/http/errors'
import { randomId, signSessionTokens, type SessionTokens, type TokenClaims } from './tokens'

/** A session lives at most this long, however often its token is refreshed. */
export const SESSION_LIFETIME_MS = 30 * 24 * 3600 * 1000

export interface SessionUser {
  id: number
  username: string
  createdAt: Date
  role: 'admin' | 'user'
  sessionId: string
  jti: string
  sessionExpiresAt: Date
}

/**
 * Opens a session for a user and signs its first tokens. The user keeps at most
 * `maxSessionsPerUser` live sessions: the oldest beyond it end here, and so do the user's expired ones.
 */
export async function openSession(userId: number, userAgent?: string): Promise<SessionTokens> {
  const sessionId = randomId()
  const jti = randomId()
  const expiresAt = new Date(Date.now() + SESSION_LIFETIME_MS)
  const { sessions, users } = tables
  await useDb().transaction(async (tx) => {
    // One login of this user at a time (the user's row stays locked until commit): without it, 50
    // parallel logins would each count the sessions before the others inserted theirs and all stay.
    const [user] = await tx.select({ disabledAt: users.disabledAt }).from(users).where(eq(users.id, userId)).for('update')
    // Checked under the lock that disabling takes too: a sign-in racing a disable never keeps a session.
    if (!user) throw unauthorized()
    if (user.disabledAt) throw apiError('ACCOUNT_DISABLED')
    await tx.insert(sessions).values({ id: sessionId, userId, jti, expiresAt, userAgent: userAgent?.slice(0, 255) || null, lastUsedAt: new Date() })
    const others = await tx
      .select({ id: sessions.id, live: sql<number>`${sessions.expiresAt} > CURRENT_TIMESTAMP(3)` })
      .from(sessions)
      .where(and(eq(sessions.userId, userId), ne(sessions.id, sessionId)))
      .orderBy(desc(sessions.createdAt), desc(sessions.id))
    // The new session always stays; of the others, the newest cap - 1 live ones do.
    const keep = Math.max(0, useConfig().maxSessionsPerUser - 1)
    const ended = [...others.filter(s => !Number(s.live)), ...others.filter(s => Number(s.live)).slice(keep)].map(s => s.id)
    if (ended.length) await tx.delete(sessions).where(inArray(sessions.id, ended))
  }, {
    // Read committed: the count above sees every session committed by the login that held the lock
    // before us, and InnoDB takes no gap locks that could deadlock logins of neighbouring users.
    isolationLevel: 'read committed',
  })
  return signSessionTokens(userId, sessionId, jti, expiresAt)
}

// Prepared once: drizzle otherwise rebuilds the SQL text and its column mapping on every request,
// and this lookup is part of every authenticated request (docs/PERFORMANCE.md).
function prepareSessionUserQuery() {
  const { sessions, users } = tables
  return useDb()
    .select({
      id: users.id,
      username: users.username,
      createdAt: users.createdAt,
      role: sql<'admin' | 'user'>`${users.role}`,
      sessionId: sessions.id,
      jti: sessions.jti,
      sessionExpiresAt: sessions.expiresAt,
      // Whether last_used_at is more than a minute old (or unset): only then is it written (touchSession).
      stale: sql<number>`${sessions.lastUsedAt} IS NULL OR ${sessions.lastUsedAt} < CURRENT_TIMESTAMP(3) - INTERVAL 1 MINUTE`,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(
      eq(sessions.id, sql.placeholder('sessionId')),
      eq(sessions.userId, sql.placeholder('userId')),
      eq(sessions.jti, sql.placeholder('jti')),
      gt(sessions.expiresAt, sql`CURRENT_TIMESTAMP(3)`),
      // Disabling deletes the sessions too; this keeps a disabled account out even if one slipped through.
      isNull(users.disabledAt),
    ))
    .limit(1)
    .prepare()
}
let sessionUserQuery: ReturnType<typeof prepareSessionUserQuery> | undefined

/** The user behind a verified token, when its session is live and the token is the session's current one. */
export async function findSessionUser(claims: TokenClaims): Promise<SessionUser | undefined> {
  sessionUserQuery ??= prepareSessionUserQuery()
  const [row] = await sessionUserQuery.execute({ sessionId: claims.sessionId, userId: claims.userId, jti: claims.jti })
  if (!row) return undefined
  const { stale, ...user } = row
  if (Number(stale)) touchSession(user.sessionId)
  return user
}

/**
 * Records that the session was used, at most once a minute per session (the stale check rides on
 * the lookup every request makes anyway), and without holding up the request: a failed write only
 * leaves the time a little older.
 */
function touchSession(sessionId: string): void {
  const { sessions } = tables
  useDb().update(sessions).set({ lastUsedAt: sql`CURRENT_TIMESTAMP(3)` })
    .where(and(eq(sessions.id, sessionId), or(isNull(sessions.lastUsedAt), lt(sessions.lastUsedAt, sql`CURRENT_TIMESTAMP(3) - INTERVAL 1 MINUTE`))))
    .then(() => undefined, (error: unknown) => console.error(`[gallery] could not record a session's last use: ${error instanceof Error ? error.message : error}`))
}

/** Replaces the session's current tokens: the previous ones stop working at once. */
export async function rotateSession(user: SessionUser): Promise<SessionTokens> {
  const jti = randomId()
  const { sessions } = tables
  const [result] = await useDb().update(sessions).set({ jti })
    .where(and(eq(sessions.id, user.sessionId), eq(sessions.jti, user.jti)))
  // A concurrent refresh with the same token won the race: this one must not mint a second valid token.
  if (result.affectedRows !== 1) throw unauthorized()
  return signSessionTokens(user.id, user.sessionId, jti, user.sessionExpiresAt)
}

/** Ends a session: every token of it stops working at once. */
export async function revokeSession(sessionId: string): Promise<void> {
  await useDb().delete(tables.sessions).where(eq(tables.sessions.id, sessionId))
}

/** Removes sessions past their lifetime (run at start-up). */
export async function purgeExpiredSessions(): Promise<number> {
  const [result] = await useDb().delete(tables.sessions).where(lt(tables.sessions.expiresAt, sql`CURRENT_TIMESTAMP(3)`))
  return result.affectedRows
}
