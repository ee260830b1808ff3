import { and, eq, isNotNull, isNull, lt, or } from 'drizzle-orm'
import { decryptSecret } from '../../infra/crypto'
import { tables, useDb } from '../../infra/db'
import { hashRecoveryCode } from './recovery'
import { base32Decode, matchingSteps } from './totp'

export type SecondFactor = 'off' | 'passed' | 'missing' | 'wrong'

/** What a login body brings for the second step, as typed. */
export interface SecondFactorInput { totp?: string, recoveryCode?: string }

/**
 * The second step of a sign-in whose password was right. `off`: the user has no two-factor; `missing`:
 * neither a code nor a recovery code was given; `passed`: a code of a step newer than the last one
 * accepted (claimed with one conditional UPDATE, so a code works once even under parallel logins), or
 * an unused recovery code (marked used the same way); `wrong`: anything else.
 */
/**
 * The stored secret in clear, or undefined when it cannot be decrypted (SECRET_KEY was changed since
 * it was stored): then no code can match — the sign-in answers TOTP_INVALID, never a 500 — and a
 * recovery code (hashed without SECRET_KEY) still signs in, so the user can set two-factor up again.
 */
export function readableSecret(userId: number, stored: string): string | undefined {
  try {
    return decryptSecret(stored)
  }
  catch {
    console.error(`[gallery] the two-factor secret of user ${userId} cannot be decrypted (was SECRET_KEY changed?); a recovery code still signs in`)
    return undefined
  }
}

export async function verifySecondFactor(userId: number, given: SecondFactorInput): Promise<SecondFactor> {
  const { users, recoveryCodes } = tables
  const db = useDb()
  const [row] = await db.select({ secret: users.totpSecret, enabledAt: users.totpEnabledAt, lastStep: users.totpLastStep })
    .from(users).where(eq(users.id, userId)).limit(1)
  if (!row?.enabledAt || !row.secret) return 'off'
  if (!given.totp && !given.recoveryCode) return 'missing'
  const secret = given.totp ? readableSecret(userId, row.secret) : undefined
  if (given.totp && secret) {
    const lastStep = row.lastStep
    for (const step of matchingSteps(base32Decode(secret), given.totp.replace(/\s/g, ''))) {
      if (lastStep !== null && step <= lastStep) continue
      const [claimed] = await db.update(users).set({ totpLastStep: step })
        .where(and(eq(users.id, userId), isNotNull(users.totpEnabledAt), or(isNull(users.totpLastStep), lt(users.totpLastStep, step))))
      if (claimed.affectedRows === 1) return 'passed'
    }
  }
  if (given.recoveryCode) {
    const [used] = await db.update(recoveryCodes).set({ usedAt: new Date() })
      .where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.codeHash, hashRecoveryCode(given.recoveryCode)), isNull(recoveryCodes.usedAt)))
    if (used.affectedRows === 1) return 'passed'
  }
  return 'wrong'
}
