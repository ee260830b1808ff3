import { eq } from 'drizzle-orm'
import { usernameKey } from '../../../shared/contracts/auth'
import { tables, useDb } from '../../infra/db'
import { apiError, invalidCredentials } from '../../infra/http/errors'
import { assertNotLimited, countAttempt, forgetAttempts, rateLimits } from '../../infra/rateLimit'
import { burnPasswordCheck, hashPassword, verifyPassword } from './passwords'
import { openSession } from './sessions'

/** Creates an account; 409 when the name (compared case-insensitively, NFC) is taken; 429 past the per-address limit. */
export async function registerUser(username: string, password: string, address: string): Promise<void> {
  const key = `register:ip:${address}`
  await assertNotLimited([[key, rateLimits().registerPerAddress]])
  await countAttempt(key)
  const hash = await hashPassword(password)
  try {
    await useDb().insert(tables.users).values({ username, usernameKey: usernameKey(username), password: hash })
  }
  catch (error: any) {
    if (error?.cause?.code === 'ER_DUP_ENTRY' || error?.code === 'ER_DUP_ENTRY') throw apiError('USERNAME_TAKEN')
    throw error
  }
}

/**
 * Checks credentials and opens a session. Unknown user and wrong password are answered alike, at a
 * similar cost. Failed attempts are limited per username and per client address (429 before any hashing).
 */
export async function loginUser(username: string, password: string, address: string) {
  const limits = rateLimits()
  const userKey = `login:user:${usernameKey(username)}`
  const addressKey = `login:ip:${address}`
  await assertNotLimited([[userKey, limits.loginPerUser], [addressKey, limits.loginPerAddress]])
  const [user] = await useDb().select({ id: tables.users.id, password: tables.users.password })
    .from(tables.users).where(eq(tables.users.usernameKey, usernameKey(username))).limit(1)
  const ok = user ? await verifyPassword(password, user.password) : await burnPasswordCheck(password)
  if (!user || !ok) {
    await countAttempt(userKey, addressKey)
    throw invalidCredentials()
  }
  await forgetAttempts(userKey)
  return openSession(user.id)
}
