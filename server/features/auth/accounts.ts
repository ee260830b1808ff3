import { eq } from 'drizzle-orm'
import { usernameKey } from '../../../shared/contracts/auth'
import { tables, useDb } from '../../infra/db'
import { apiError, invalidCredentials } from '../../infra/http/errors'
import { addressBucket } from '../../infra/http/clientAddress'
import { consume, forget, giveBack, Limit } from '../../infra/rateLimit'
import { burnPasswordCheck, hashPassword, verifyPassword } from './passwords'
import { openSession } from './sessions'

const registrationsPerAddress = new Limit('register-ip', limits => limits.registerPerAddress)
/** Every login attempt, successful or not: a generous cap that stops login floods from one address. */
const loginAttemptsPerAddress = new Limit('login-attempts-ip', limits => limits.loginAttemptsPerAddress)
/** Failed logins: these guard the passwords. */
const loginFailuresPerUser = new Limit('login-user', limits => limits.loginPerUser)
const loginFailuresPerAddress = new Limit('login-ip', limits => limits.loginPerAddress)

/** Creates an account; 409 when the name (compared case-insensitively, NFC) is taken; 429 past the per-address limit. */
export async function registerUser(username: string, password: string, address: string): Promise<void> {
  await consume(registrationsPerAddress.charge(addressBucket(address)))
  const hash = await hashPassword(password)
  try {
    await useDb().insert(tables.users).values({ username, usernameKey: usernameKey(username), password: hash })
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
export async function loginUser(username: string, password: string, address: string) {
  const bucket = addressBucket(address)
  await consume(loginAttemptsPerAddress.charge(bucket))
  const userFailures = loginFailuresPerUser.charge(usernameKey(username))
  const addressFailures = loginFailuresPerAddress.charge(bucket)
  await consume(userFailures, addressFailures)
  const [user] = await useDb().select({ id: tables.users.id, password: tables.users.password })
    .from(tables.users).where(eq(tables.users.usernameKey, usernameKey(username))).limit(1)
  const ok = user ? await verifyPassword(password, user.password) : await burnPasswordCheck(password)
  if (!user || !ok) throw invalidCredentials()
  // Not a failure after all. The user's earlier failures are forgotten too (their own typos, as
  // before); the address keeps its earlier ones, so owning one account buys no extra guesses.
  await Promise.all([forget([userFailures]), giveBack([addressFailures])])
  return openSession(user.id)
}
