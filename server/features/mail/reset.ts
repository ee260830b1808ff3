import { and, eq, isNotNull, isNull } from 'drizzle-orm'
import { usernameKey } from '../../../shared/contracts/auth'
import { tables, useDb } from '../../infra/db'
import { apiError } from '../../infra/http/errors'
import { addressBucket } from '../../infra/http/clientAddress'
import { sendMail } from '../../infra/mail'
import { consume, Limit } from '../../infra/rateLimit'
import { hashPassword } from '../auth/passwords'
import { assertMailEnabled, parseEmail } from './address'
import { noticePasswordChanged } from './notices'
import { resetPasswordMail } from './templates'
import { claimToken, issueToken, releaseToken, tokenLink } from './tokens'

/** A reset link sent by mail lives 30 minutes (SPEC §10). */
export const RESET_LIFETIME_MS = 30 * 60 * 1000
/** One an admin makes and hands over themselves lives a day (it has to reach the user some other way). */
export const ADMIN_RESET_LIFETIME_MS = 24 * 3600 * 1000

const forgotPerAddress = new Limit('forgot-ip', limits => limits.forgotPerAddress)
const forgotPerAccount = new Limit('forgot-account', limits => limits.forgotPerAccount)

/**
 * "Forgot password" by username or by email: each matching account with a verified address gets a
 * reset link. The caller learns nothing: the answer is the same 202 whether or not anything was sent
 * (the mail goes out after the answer), and the per-account limit counts unknown names and addresses
 * too, so a 429 tells nothing either.
 */
export async function forgotPassword(by: { username?: string, email?: string }, address: string): Promise<void> {
  assertMailEnabled()
  const email = by.username === undefined ? parseEmail(by.email ?? '') : undefined
  await consume(forgotPerAddress.charge(addressBucket(address)))
  const { users } = tables
  const where = email === undefined ? eq(users.usernameKey, usernameKey(by.username ?? '')) : eq(users.email, email)
  const found = await useDb().select({ id: users.id, username: users.username, email: users.email })
    .from(users).where(and(where, isNotNull(users.emailVerifiedAt), isNull(users.disabledAt))).limit(10)
  const keys = found.length ? found.map(user => `id:${user.id}`) : [email === undefined ? `name:${usernameKey(by.username ?? '')}` : `email:${email}`]
  await consume(...keys.map(key => forgotPerAccount.charge(key)))
  for (const user of found) {
    if (!user.email) continue
    const { token } = await issueToken(user.id, 'reset_password', RESET_LIFETIME_MS)
    sendMail(resetPasswordMail(user.email, user.username, tokenLink('/password/reset', token)))
  }
}

/**
 * Sets a new password with a reset link: single use (of 50 parallel uses exactly one succeeds, and
 * only that one pays for hashing), and every session of the user ends, as do the user's other reset links.
 */
export async function resetPassword(token: string, newPassword: string): Promise<void> {
  const row = await claimToken('reset_password', token)
  try {
    const hash = await hashPassword(newPassword)
    const { users, sessions, userTokens } = tables
    await useDb().transaction(async (tx) => {
      await tx.update(users).set({ password: hash }).where(eq(users.id, row.userId))
      await tx.delete(sessions).where(eq(sessions.userId, row.userId))
      await tx.update(userTokens).set({ usedAt: new Date() })
        .where(and(eq(userTokens.userId, row.userId), eq(userTokens.kind, 'reset_password'), isNull(userTokens.usedAt)))
    })
  }
  catch (error) {
    // Nothing was changed: the link keeps working (best effort; the database may be what failed).
    await releaseToken(row.id).catch(() => undefined)
    throw error
  }
  noticePasswordChanged(row.userId)
}

/** An admin's one-time reset link for a user (the way without mail); 404 USER_NOT_FOUND for an unknown id. */
export async function adminResetLink(userId: number): Promise<{ url: string, expires_at: string }> {
  const [user] = await useDb().select({ id: tables.users.id }).from(tables.users).where(eq(tables.users.id, userId)).limit(1)
  if (!user) throw apiError('USER_NOT_FOUND')
  const { token, expiresAt } = await issueToken(userId, 'reset_password', ADMIN_RESET_LIFETIME_MS)
  return { url: tokenLink('/password/reset', token), expires_at: expiresAt.toISOString() }
}
