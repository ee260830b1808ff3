import { z } from 'zod'
import { loginSchema, type MeDto, type TokenResponse } from '../auth'
import { registerSchema } from '../accountParams'
import { dto, errors, JSON_BODY, json, messageResponse, PUBLIC, SIGNED_IN, type FeaturePaths } from './common'

// Accounts and sessions (SPEC §4, §5). The session cookie is set alongside every token answer.

const token = dto<TokenResponse>()(z.object({ token: z.string().meta({ description: 'A JWT for `Authorization: Bearer`' }), message: z.string() }).meta({ id: 'TokenResponse' }))

const me = dto<MeDto>()(z.object({
  id: z.number().int(),
  username: z.string(),
  created_at: z.string().meta({ format: 'date-time' }),
  token_expires_at: z.string().meta({ format: 'date-time' }),
  role: z.enum(['admin', 'user']),
  bytes_used: z.number().int(),
  quota_bytes: z.number().int().nullable().meta({ description: 'null: unlimited' }),
  image_count: z.number().int(),
  two_factor: z.boolean(),
  recovery_codes_left: z.number().int(),
  email: z.string().nullable(),
  email_available: z.boolean(),
}).meta({ id: 'Me' }))

const setCookie = { 'Set-Cookie': { description: 'The httpOnly session cookie', schema: { type: 'string' as const } } }

export const paths: FeaturePaths = {
  '/api/register': {
    post: {
      ...PUBLIC,
      tags: ['auth'],
      summary: 'Create an account (rate-limited per address)',
      requestBody: { required: true, content: { 'application/json': { schema: registerSchema } } },
      responses: {
        201: json(messageResponse, 'Created'),
        ...errors(...JSON_BODY, 'USERNAME_TAKEN', 'REGISTRATION_CLOSED', 'INVITE_REQUIRED', 'INVITE_INVALID', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE'),
      },
    },
  },
  '/api/login': {
    post: {
      ...PUBLIC,
      tags: ['auth'],
      summary: 'Sign in: a token, and the session cookie (with two-factor on: `totp` or `recovery_code` too)',
      requestBody: { required: true, content: { 'application/json': { schema: loginSchema } } },
      responses: {
        200: { ...json(token), headers: setCookie },
        ...errors(...JSON_BODY, 'INVALID_CREDENTIALS', 'TOTP_REQUIRED', 'TOTP_INVALID', 'ACCOUNT_DISABLED', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE'),
      },
    },
  },
  '/api/logout': {
    post: { tags: ['auth'], summary: 'End the session (clears the cookie)', responses: { 200: json(messageResponse), ...errors(...SIGNED_IN) } },
  },
  '/api/refresh': {
    post: { tags: ['auth'], summary: 'A new token for the session (the previous one stops working)', responses: { 200: { ...json(token), headers: setCookie }, ...errors(...SIGNED_IN) } },
  },
  '/api/me': {
    get: { tags: ['auth'], summary: 'The signed-in user', responses: { 200: json(me), ...errors(...SIGNED_IN) } },
  },
}
