import { and, desc, eq, gt, ne, sql } from 'drizzle-orm'
import type { SessionDto } from '../../../shared/contracts/account'
import { tables, useDb } from '../../infra/db'
import { apiError } from '../../infra/http/errors'
import type { SessionUser } from '../auth/sessions'

const { sessions } = tables

/** The caller's live sessions, most recently used first; `current` marks the one of this request. */
export async function listSessions(user: Pick<SessionUser, 'id' | 'sessionId'>): Promise<SessionDto[]> {
  const rows = await useDb()
    .select({ id: sessions.id, createdAt: sessions.createdAt, lastUsedAt: sessions.lastUsedAt, userAgent: sessions.userAgent })
    .from(sessions)
    .where(and(eq(sessions.userId, user.id), gt(sessions.expiresAt, sql`CURRENT_TIMESTAMP(3)`)))
    .orderBy(desc(sql`COALESCE(${sessions.lastUsedAt}, ${sessions.createdAt})`), desc(sessions.id))
  return rows.map(row => ({
    id: row.id,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    user_agent: row.userAgent,
    current: row.id === user.sessionId,
  }))
}

/** Ends one of the caller's sessions (the current one too: that signs out); someone else's or an unknown one is 404. */
export async function revokeOwnSession(user: Pick<SessionUser, 'id'>, sessionId: string): Promise<void> {
  const [result] = await useDb().delete(sessions).where(and(eq(sessions.id, sessionId), eq(sessions.userId, user.id)))
  if (result.affectedRows !== 1) throw apiError('SESSION_NOT_FOUND')
}

/** Ends every session of the user but the current one; answers how many ended. */
export async function revokeOtherSessions(user: Pick<SessionUser, 'id' | 'sessionId'>): Promise<number> {
  const [result] = await useDb().delete(sessions).where(and(eq(sessions.userId, user.id), ne(sessions.id, user.sessionId)))
  return result.affectedRows
}
