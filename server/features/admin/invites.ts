import { createHash, randomBytes } from 'node:crypto'
import { and, eq, gt, isNull, sql } from 'drizzle-orm'
import type { InviteDto } from '../../../shared/contracts/account'
import { useConfig } from '../../infra/config'
import { tables, useDb } from '../../infra/db'
import { apiError } from '../../infra/http/errors'
import type { Tx } from './settings'

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex')

/**
 * A single-use invite link (SPEC §10). The database keeps only the token's SHA-256: a dump of it
 * lets nobody register. The token (256 bits from the CSPRNG, URL-safe) is shown once, here.
 */
export async function createInvite(createdBy: number, expiresInSeconds: number): Promise<InviteDto> {
  const token = randomBytes(32).toString('base64url')
  const expiresAt = new Date(Date.now() + expiresInSeconds * 1000)
  const [row] = await useDb().insert(tables.invites).values({ tokenHash: hashToken(token), createdBy, expiresAt }).$returningId()
  const url = new URL(`/register?invite=${token}`, useConfig().publicOrigin).toString()
  // $returningId yields one entry per inserted row.
  return { id: row!.id, url, token, expires_at: expiresAt.toISOString() }
}

/**
 * Marks the invite used by `userId`, inside the registration's transaction: unknown, used or expired
 * is 400 INVITE_INVALID (and the registration rolls back). The conditional UPDATE is the single-use
 * guarantee: of 50 registrations with one token, exactly one changes the row.
 */
export async function consumeInvite(tx: Tx, token: string, userId: number): Promise<void> {
  const { invites } = tables
  const [result] = await tx.update(invites).set({ usedAt: sql`CURRENT_TIMESTAMP(3)`, usedBy: userId })
    .where(and(eq(invites.tokenHash, hashToken(token)), isNull(invites.usedAt), gt(invites.expiresAt, sql`CURRENT_TIMESTAMP(3)`)))
  if (result.affectedRows !== 1) throw apiError('INVITE_INVALID')
}
