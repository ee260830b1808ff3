import { and, eq, isNull } from 'drizzle-orm'
import { encryptSecret } from '../../infra/crypto'
import { tables, useDb } from '../../infra/db'
import { apiError } from '../../infra/http/errors'
import { assertCurrentPassword } from '../auth/accounts'
import { noticeTwoFactorChanged } from '../mail/notices'
import { hashRecoveryCode, newRecoveryCodes } from './recovery'
import { readableSecret } from './signIn'
import { base32Decode, matchingSteps, newTotpSecret, otpauthUrl } from './totp'

/**
 * Two-factor sign-in (SPEC §10): setup stores a new secret (AES-256-GCM, key from SECRET_KEY) that is
 * not active yet; enable activates it with a first code and hands out ten recovery codes (only their
 * SHA-256 is kept); disable takes the password. Sign-in checks: ./signIn.ts.
 */

export interface TwoFactorSetup { secret: string, otpauth_url: string }

/** A new pending secret (replacing an earlier pending one); 409 TOTP_ENABLED while two-factor is on. */
export async function setupTwoFactor(user: { id: number, username: string }): Promise<TwoFactorSetup> {
  const secret = newTotpSecret()
  const { users } = tables
  const [result] = await useDb().update(users).set({ totpSecret: encryptSecret(secret), totpLastStep: null })
    .where(and(eq(users.id, user.id), isNull(users.totpEnabledAt)))
  if (result.affectedRows !== 1) throw apiError('TOTP_ENABLED')
  return { secret, otpauth_url: otpauthUrl(secret, user.username) }
}

/**
 * Turns two-factor on with a first code from the pending secret; returns the ten recovery codes (shown
 * this once). The user's row is locked meanwhile, so parallel enables turn it on once.
 */
export async function enableTwoFactor(userId: number, code: string): Promise<string[]> {
  const { users, recoveryCodes } = tables
  const codes = newRecoveryCodes()
  await useDb().transaction(async (tx) => {
    const [row] = await tx.select({ secret: users.totpSecret, enabledAt: users.totpEnabledAt, lastStep: users.totpLastStep })
      .from(users).where(eq(users.id, userId)).for('update')
    if (row?.enabledAt) throw apiError('TOTP_ENABLED')
    const secret = row?.secret ? readableSecret(userId, row.secret) : undefined
    // A pending secret stored under another SECRET_KEY is as good as none: set up again.
    if (!secret) throw apiError('TOTP_NOT_PENDING')
    const lastStep = row?.lastStep ?? null
    const step = matchingSteps(base32Decode(secret), code).find(s => lastStep === null || s > lastStep)
    if (step === undefined) throw apiError('TOTP_CODE_INVALID')
    await tx.update(users).set({ totpEnabledAt: new Date(), totpLastStep: step }).where(eq(users.id, userId))
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId))
    await tx.insert(recoveryCodes).values(codes.map(c => ({ userId, codeHash: hashRecoveryCode(c) })))
  })
  noticeTwoFactorChanged(userId, true)
  return codes
}

/** Turns two-factor off after checking the password (403 WRONG_PASSWORD, counted like a login failure). */
export async function disableTwoFactor(user: { id: number, username: string }, password: string, address: string): Promise<void> {
  await assertCurrentPassword(user, password, address)
  const { users, recoveryCodes } = tables
  const wasOn = await useDb().transaction(async (tx) => {
    const [result] = await tx.update(users).set({ totpSecret: null, totpEnabledAt: null, totpLastStep: null }).where(eq(users.id, user.id))
    const [row] = await tx.select({ n: recoveryCodes.id }).from(recoveryCodes).where(eq(recoveryCodes.userId, user.id)).limit(1)
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, user.id))
    return result.affectedRows > 0 && row !== undefined
  })
  if (wasOn) noticeTwoFactorChanged(user.id, false)
}
