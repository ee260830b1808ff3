import { and, eq, isNull } from 'drizzle-orm'
import { tables, useDb } from '../../infra/db'
import { mailEnabled, sendMail, type Mail } from '../../infra/mail'
import { newDeviceMail, passwordChangedMail, twoFactorChangedMail } from './templates'

/**
 * Security notices (SPEC §10) to the user's verified address: the password changed, two-factor
 * sign-in turned on or off, a sign-in from a device not seen before. Never awaited by the request
 * beyond one small lookup, never failing it: a notice that cannot be sent is logged.
 */

/** The user's name and verified address, when mail is on and they have one. */
async function recipient(userId: number): Promise<{ username: string, email: string } | undefined> {
  if (!mailEnabled()) return undefined
  const { users } = tables
  const [row] = await useDb().select({ username: users.username, email: users.email, verified: users.emailVerifiedAt })
    .from(users).where(eq(users.id, userId)).limit(1)
  return row?.email && row.verified ? { username: row.username, email: row.email } : undefined
}

function notify(userId: number, make: (to: { username: string, email: string }) => Mail): void {
  recipient(userId).then(
    (to) => { if (to) sendMail(make(to)) },
    (error: unknown) => console.error(`[gallery] mail: could not look up a notice's recipient: ${error instanceof Error ? error.message : error}`),
  )
}

export const noticePasswordChanged = (userId: number) => notify(userId, to => passwordChangedMail(to.email, to.username))

export const noticeTwoFactorChanged = (userId: number, enabled: boolean) => notify(userId, to => twoFactorChangedMail(to.email, to.username, enabled))

/**
 * Call before the new session is opened: when none of the user's sessions carries this user agent,
 * a "new device" notice goes out. (Nothing to look up without mail or without a verified address.)
 */
export async function noticeIfNewDevice(userId: number, userAgent: string | undefined): Promise<void> {
  if (!mailEnabled()) return
  try {
    const to = await recipient(userId)
    if (!to) return
    const { sessions } = tables
    const device = userAgent?.slice(0, 255) || null
    const [seen] = await useDb().select({ id: sessions.id }).from(sessions)
      .where(and(eq(sessions.userId, userId), device === null ? isNull(sessions.userAgent) : eq(sessions.userAgent, device))).limit(1)
    if (!seen) sendMail(newDeviceMail(to.email, to.username, device ?? '?', new Date()))
  }
  catch (error) {
    console.error(`[gallery] mail: could not check for a new device: ${error instanceof Error ? error.message : error}`)
  }
}
