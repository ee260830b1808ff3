import { eq } from 'drizzle-orm'
import { usernameKey } from '#shared/credentials'

/** Creates an account; 409 when the name (compared case-insensitively, NFC) is taken. */
export async function registerUser(username: string, password: string): Promise<void> {
  const hash = await hashPassword(password)
  try {
    await useDb().insert(tables.users).values({ username, usernameKey: usernameKey(username), password: hash })
  }
  catch (error: any) {
    if (error?.cause?.code === 'ER_DUP_ENTRY' || error?.code === 'ER_DUP_ENTRY') throw apiError(409, 'USERNAME_TAKEN', '用户名已存在')
    throw error
  }
}

/** Checks credentials and opens a session. Unknown user and wrong password are answered alike, at a similar cost. */
export async function loginUser(username: string, password: string) {
  const [user] = await useDb().select({ id: tables.users.id, password: tables.users.password })
    .from(tables.users).where(eq(tables.users.usernameKey, usernameKey(username))).limit(1)
  const ok = user ? await verifyPassword(password, user.password) : await burnPasswordCheck(password)
  if (!user || !ok) throw invalidCredentials()
  return openSession(user.id)
}
