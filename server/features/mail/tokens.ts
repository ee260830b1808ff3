import { createHash, randomBytes } from 'node:crypto'
import { and, eq, gt, isNull, sql } from 'drizzle-orm'
import { useConfig } from '../../infra/config'
import { tables, useDb } from '../../infra/db'
import { apiError } from '../../infra/http/errors'

/**
 * Single-use, expiring links (SPEC §10): a random 256-bit token goes into the link, only its SHA-256
 * is stored (user_tokens). Using one locks its row, so of any number of parallel uses exactly one
 * gets through; the others find it used.
 */

export type TokenKind = 'verify_email' | 'reset_password'

type Tx = Parameters<Parameters<ReturnType<typeof useDb>['transaction']>[0]>[0]
export interface TokenRow { id: number, userId: number, email: string | null }

export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex')

/** Makes a token for the user; returns it (to put in a link, never stored) and when it expires. */
export async function issueToken(userId: number, kind: TokenKind, lifetimeMs: number, email?: string): Promise<{ token: string, expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url')
  const expiresAt = new Date(Date.now() + lifetimeMs)
  await useDb().insert(tables.userTokens).values({ userId, kind, tokenHash: hashToken(token), email: email ?? null, expiresAt })
  return { token, expiresAt }
}

/** The absolute link to a page of the app carrying a token (PUBLIC_URL, never the Host header). */
export const tokenLink = (page: string, token: string) => `${useConfig().publicOrigin}${page}?token=${encodeURIComponent(token)}`

/** Why a token cannot be used (400 TOKEN_INVALID / TOKEN_USED / TOKEN_EXPIRED), or undefined when it can. */
function refusal(row: { usedAt: Date | null, expiresAt: Date } | undefined) {
  if (!row) return apiError('TOKEN_INVALID')
  if (row.usedAt) return apiError('TOKEN_USED')
  if (row.expiresAt.getTime() <= Date.now()) return apiError('TOKEN_EXPIRED')
  return undefined
}

const lookup = (db: Tx | ReturnType<typeof useDb>, kind: TokenKind, token: string) => {
  const t = tables.userTokens
  return db.select({ id: t.id, userId: t.userId, email: t.email, kind: t.kind, usedAt: t.usedAt, expiresAt: t.expiresAt })
    .from(t).where(eq(t.tokenHash, hashToken(token))).limit(1)
}

/**
 * Uses a token once: inside one transaction the row is locked, checked, marked used, and `then` runs
 * (setting the password, the address) — all of it or none. Throws 400 when unknown, used or expired.
 */
export async function useToken<T>(kind: TokenKind, token: string, then: (tx: Tx, row: TokenRow) => Promise<T>): Promise<T> {
  return useDb().transaction(async (tx) => {
    const [row] = await lookup(tx, kind, token).for('update')
    const problem = refusal(row?.kind === kind ? row : undefined)
    if (problem || !row) throw problem ?? apiError('TOKEN_INVALID')
    await tx.update(tables.userTokens).set({ usedAt: new Date() }).where(eq(tables.userTokens.id, row.id))
    return then(tx, row)
  })
}

/**
 * Claims a token with one conditional UPDATE (unused, unexpired, of this kind): of any number of
 * parallel claims exactly one gets the row; the others are told why not (TOKEN_USED, …). Lets the
 * winner alone do slow work (hashing a password) before it writes; `releaseToken` undoes a claim
 * whose work failed, so the link still works.
 */
export async function claimToken(kind: TokenKind, token: string): Promise<TokenRow> {
  const t = tables.userTokens
  const hash = hashToken(token)
  const [claimed] = await useDb().update(t).set({ usedAt: sql`CURRENT_TIMESTAMP(3)` })
    .where(and(eq(t.tokenHash, hash), eq(t.kind, kind), isNull(t.usedAt), gt(t.expiresAt, new Date())))
  const [row] = await lookup(useDb(), kind, token)
  if (claimed.affectedRows === 1 && row) return row
  throw refusal(row?.kind === kind ? row : undefined) ?? apiError('TOKEN_USED')
}

export async function releaseToken(id: number): Promise<void> {
  await useDb().update(tables.userTokens).set({ usedAt: null }).where(eq(tables.userTokens.id, id))
}
