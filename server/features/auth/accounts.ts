import { eq, sql } from 'drizzle-orm'
import { usernameKey } from '../../../shared/contracts/auth'
import { tables, useDb } from '../../infra/db'
import { apiError, invalidCredentials } from '../../infra/http/errors'
import { addressBucket } from '../../infra/http/clientAddress'
import { consume, forget, giveBack, Limit } from '../../infra/rateLimit'
import { consumeInvite } from '../admin/invites'
import { readSettings, withAccountsLock } from '../admin/settings'
import { noticeIfNewDevice } from '../mail/notices'
import { verifySecondFactor, type SecondFactorInput } from '../twofactor/signIn'
import { burnPasswordCheck, hashPassword, verifyPassword } from './passwords'
import { openSession } from './sessions'

const registrationsPerAddress = new Limit('register-ip', limits => limits.registerPerAddress)
/** Every login attempt, successful or not: a generous cap that stops login floods from one address. */
const loginAttemptsPerAddress = new Limit('login-attempts-ip', limits => limits.loginAttemptsPerAddress)
/** Failed logins: these guard the passwords. */
const loginFailuresPerUser = new Limit('login-user', limits => limits.loginPerUser)
const loginFailuresPerAddress = new Limit('login-ip', limits => limits.loginPerAddress)

/**
 * Creates an account; 409 when the name (compared case-insensitively, NFC) is taken; 429 past the
 * per-address limit. SPEC §10: registration may be closed (403 REGISTRATION_CLOSED) or by invitation
 * (403 INVITE_REQUIRED without `invite`, 400 INVITE_INVALID for an unknown, used or expired one); the
 * first account ever becomes the admin. All of it is decided under the accounts lock, so two
 * registrations on an empty database make one admin, and an invite is used once.
 */
export async function registerUser(username: string, password: string, address: string, invite?: string): Promise<void> {
  await consume(registrationsPerAddress.charge(addressBucket(address)))
  // Refused early without hashing; decided again under the lock (the mode may change meanwhile).
  const early = await readSettings()
  if (early.registration === 'closed') throw apiError('REGISTRATION_CLOSED')
  if (early.registration === 'invite' && !invite) throw apiError('INVITE_REQUIRED')
  const hash = await hashPassword(password)
  try {
    await withAccountsLock(async (tx) => {
      const { registration } = await readSettings(tx)
      if (registration === 'closed') throw apiError('REGISTRATION_CLOSED')
      if (registration === 'invite' && !invite) throw apiError('INVITE_REQUIRED')
      const [anyone] = await tx.select({ id: tables.users.id }).from(tables.users).limit(1)
      const role = anyone ? 'user' : 'admin'
      const [created] = await tx.insert(tables.users).values({ username, usernameKey: usernameKey(username), password: hash, role }).$returningId()
      // $returningId yields one entry per inserted row.
      if (registration === 'invite' && invite) await consumeInvite(tx, invite, created!.id)
    })
  }
  catch (error) {
    // mysql2's code, on the error itself or (through drizzle) on its cause.
    const { code, cause } = (error ?? {}) as { code?: unknown, cause?: { code?: unknown } }
    if (code === 'ER_DUP_ENTRY' || cause?.code === 'ER_DUP_ENTRY') throw apiError('USERNAME_TAKEN')
    throw error
  }
}

/**
 * Checks credentials and opens a session. Unknown user and wrong password are answered alike, at a
 * similar cost. Every attempt is counted per client address; failures per username and per address,
 * counted BEFORE the password is compared (so N parallel guesses are never all evaluated) and given
 * back when it turns out right. 429 before any hashing.
 */
export async function loginUser(username: string, password: string, address: string, userAgent?: string, second: SecondFactorInput = {}) {
  const bucket = addressBucket(address)
  await consume(loginAttemptsPerAddress.charge(bucket))
  const userFailures = loginFailuresPerUser.charge(usernameKey(username))
  const addressFailures = loginFailuresPerAddress.charge(bucket)
  await consume(userFailures, addressFailures)
  const [user] = await useDb().select({ id: tables.users.id, password: tables.users.password, disabled: sql<number>`${tables.users.disabledAt} IS NOT NULL` })
    .from(tables.users).where(eq(tables.users.usernameKey, usernameKey(username))).limit(1)
  const ok = user ? await verifyPassword(password, user.password) : await burnPasswordCheck(password)
  if (!user || !ok) throw invalidCredentials()
  // Two-factor (SPEC §10), before anything is forgotten: a wrong or reused code stays counted like a
  // wrong password; a missing one is not an attempt at all (given back, the earlier failures kept).
  const factor = await verifySecondFactor(user.id, second)
  if (factor === 'missing') {
    await giveBack([userFailures, addressFailures])
    throw apiError('TOTP_REQUIRED')
  }
  if (factor === 'wrong') throw apiError('TOTP_INVALID')
  // Not a failure after all. The user's earlier failures are forgotten too (their own typos, as
  // before); the address keeps its earlier ones, so owning one account buys no extra guesses.
  await Promise.all([forget([userFailures]), giveBack([addressFailures])])
  // Said only to the right password: a wrong one stays the vague INVALID_CREDENTIALS.
  if (Number(user.disabled)) throw apiError('ACCOUNT_DISABLED')
  await noticeIfNewDevice(user.id, userAgent)
  return openSession(user.id, userAgent)
}

/**
 * The signed-in user's password, checked before a sensitive change (password change, deleting the
 * account): 403 WRONG_PASSWORD when it is not theirs. Counted like failed logins, before the compare,
 * so a stolen session cannot guess the password any faster than the sign-in form allows.
 */
export async function assertCurrentPassword(user: { id: number, username: string }, password: string, address: string): Promise<void> {
  const userFailures = loginFailuresPerUser.charge(usernameKey(user.username))
  const addressFailures = loginFailuresPerAddress.charge(addressBucket(address))
  await consume(userFailures, addressFailures)
  const [row] = await useDb().select({ password: tables.users.password }).from(tables.users).where(eq(tables.users.id, user.id)).limit(1)
  if (!row) throw apiError('UNAUTHORIZED')
  if (!await verifyPassword(password, row.password)) throw apiError('WRONG_PASSWORD')
  await Promise.all([forget([userFailures]), giveBack([addressFailures])])
}
