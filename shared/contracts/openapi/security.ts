import { z } from 'zod'
import { userIdParams } from '../accountParams'
import type { EmailVerifiedDto, ForgotAvailabilityDto, RecoveryCodesDto, ResetLinkDto, TwoFactorSetupDto } from '../security'
import { emailBody, emailVerifyBody, forgotBody, resetBody, twoFactorDisableBody, twoFactorEnableBody } from '../security'
import { dto, errors, JSON_BODY, json, messageResponse, PUBLIC, SIGNED_IN, type FeaturePaths } from './common'

// Two-factor sign-in and email (SPEC §10, issue 16). Without SMTP_URL the email routes answer 404
// EMAIL_UNAVAILABLE (nothing offers email); the reset link and the admin's reset link work either way.

const setup = dto<TwoFactorSetupDto>()(z.object({
  secret: z.string().meta({ description: 'Base32, for typing into an authenticator app' }),
  otpauth_url: z.string().meta({ description: '`otpauth://totp/…` for a QR code' }),
}).meta({ id: 'TwoFactorSetup' }))
const codes = dto<RecoveryCodesDto>()(z.object({ recovery_codes: z.array(z.string()).meta({ description: 'Ten single-use codes, shown this once' }) }).meta({ id: 'RecoveryCodes' }))
const verified = dto<EmailVerifiedDto>()(z.object({ message: z.string(), email: z.string() }).meta({ id: 'EmailVerified' }))
const availability = dto<ForgotAvailabilityDto>()(z.object({ available: z.boolean() }).meta({ id: 'ForgotAvailability' }))
const resetLink = dto<ResetLinkDto>()(z.object({
  url: z.string().meta({ description: 'The reset page with a single-use token, absolute' }),
  expires_at: z.string().meta({ format: 'date-time' }),
}).meta({ id: 'ResetLink' }))

const body = (schema: z.ZodType) => ({ required: true, content: { 'application/json': { schema } } })
const TOKEN = ['TOKEN_INVALID', 'TOKEN_USED', 'TOKEN_EXPIRED'] as const

export const paths: FeaturePaths = {
  '/api/account/2fa/setup': {
    post: { tags: ['account'], summary: 'Start two-factor setup: a new secret, not active until enabled', responses: { 200: json(setup), ...errors(...SIGNED_IN, 'TOTP_ENABLED') } },
  },
  '/api/account/2fa/enable': {
    post: {
      tags: ['account'],
      summary: 'Turn two-factor on with a first code; answers the recovery codes',
      requestBody: body(twoFactorEnableBody),
      responses: { 200: json(codes), ...errors(...SIGNED_IN, ...JSON_BODY, 'TOTP_CODE_INVALID', 'TOTP_NOT_PENDING', 'TOTP_ENABLED') },
    },
  },
  '/api/account/2fa': {
    delete: {
      tags: ['account'],
      summary: 'Turn two-factor off (password required)',
      requestBody: body(twoFactorDisableBody),
      responses: { 200: json(messageResponse), ...errors(...SIGNED_IN, ...JSON_BODY, 'WRONG_PASSWORD', 'RATE_LIMITED') },
    },
  },
  '/api/account/email': {
    post: {
      tags: ['account'],
      summary: 'Mail a verification link to an address (it becomes the account\'s once used)',
      requestBody: body(emailBody),
      responses: { 202: json(messageResponse, 'Accepted'), ...errors(...SIGNED_IN, ...JSON_BODY, 'EMAIL_INVALID', 'EMAIL_UNAVAILABLE', 'RATE_LIMITED') },
    },
    delete: { tags: ['account'], summary: 'Forget the account\'s address', responses: { 200: json(messageResponse), ...errors(...SIGNED_IN, 'EMAIL_UNAVAILABLE') } },
  },
  '/api/account/email/verify': {
    post: {
      tags: ['account'],
      summary: 'Use a verification link of the caller',
      requestBody: body(emailVerifyBody),
      responses: { 200: json(verified), ...errors(...SIGNED_IN, ...JSON_BODY, ...TOKEN) },
    },
  },
  '/api/password/forgot': {
    get: { ...PUBLIC, tags: ['auth'], summary: 'Whether "forgot password" is on (mail is configured)', responses: { 200: json(availability) } },
    post: {
      ...PUBLIC,
      tags: ['auth'],
      summary: 'Mail a 30-minute reset link to the account\'s verified address; the same 202 whether or not it exists',
      requestBody: body(forgotBody),
      responses: { 202: json(messageResponse, 'Accepted'), ...errors(...JSON_BODY, 'EMAIL_INVALID', 'EMAIL_UNAVAILABLE', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE') },
    },
  },
  '/api/password/reset': {
    post: {
      ...PUBLIC,
      tags: ['auth'],
      summary: 'Set a new password with a reset link (single use); every session of the account ends',
      requestBody: body(resetBody),
      responses: { 200: json(messageResponse), ...errors(...JSON_BODY, ...TOKEN, 'SERVICE_UNAVAILABLE') },
    },
  },
  '/api/admin/users/{id}/reset-link': {
    post: {
      tags: ['admin'],
      summary: 'A one-time password reset link for a user (24 hours), to hand over yourself',
      requestParams: { path: userIdParams },
      responses: { 201: json(resetLink, 'Created'), ...errors(...SIGNED_IN, 'FORBIDDEN', 'INVALID_USER_ID', 'USER_NOT_FOUND') },
    },
  },
}
