import { eq } from 'drizzle-orm'
import { emailSchema } from '../../../shared/contracts/security'
import { tables, useDb } from '../../infra/db'
import { apiError } from '../../infra/http/errors'
import { mailEnabled, sendMail } from '../../infra/mail'
import { consume, Limit } from '../../infra/rateLimit'
import { verifyEmailMail } from './templates'
import { issueToken, tokenLink, useToken } from './tokens'

/** A verification link lives a day. */
export const VERIFY_LIFETIME_MS = 24 * 3600 * 1000

/** Verification mails a user may ask for per window (each goes to an address they typed). */
const verificationsPerUser = new Limit('verify-email-user', limits => limits.forgotPerAccount)

/** 404 EMAIL_UNAVAILABLE without SMTP_URL: nothing offers email then (SPEC §10). */
export function assertMailEnabled(): void {
  if (!mailEnabled()) throw apiError('EMAIL_UNAVAILABLE')
}

/**
 * Sends a verification link to `email`; the address becomes the user's only when the link is used
 * (until then the previous one, if any, stays). 429 past the per-user limit.
 */
export async function requestEmailVerification(user: { id: number, username: string }, email: string): Promise<void> {
  assertMailEnabled()
  email = parseEmail(email)
  await consume(verificationsPerUser.charge(String(user.id)))
  const { token } = await issueToken(user.id, 'verify_email', VERIFY_LIFETIME_MS, email)
  sendMail(verifyEmailMail(email, user.username, tokenLink('/verify-email', token)))
}

/** Uses a verification link of this user: its address becomes the user's, verified now. Another user's link is TOKEN_INVALID. */
export async function verifyEmail(userId: number, token: string): Promise<string> {
  return useToken('verify_email', token, async (tx, row) => {
    if (row.userId !== userId || !row.email) throw apiError('TOKEN_INVALID')
    await tx.update(tables.users).set({ email: row.email, emailVerifiedAt: new Date() }).where(eq(tables.users.id, userId))
    return row.email
  })
}

/** Forgets the user's address (no more notices or reset mails). */
export async function removeEmail(userId: number): Promise<void> {
  await useDb().update(tables.users).set({ email: null, emailVerifiedAt: null }).where(eq(tables.users.id, userId))
}

/** The address in its stored form (trimmed, lower case); 400 EMAIL_INVALID when it is not one. */
export function parseEmail(raw: string): string {
  const result = emailSchema.safeParse(raw)
  if (!result.success) throw apiError('EMAIL_INVALID')
  return result.data
}
