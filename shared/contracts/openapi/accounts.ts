import { z } from 'zod'
import type { AdminStatsDto, AdminUserDto, InviteDto, RevokedResponse, SessionDto, SettingsDto } from '../account'
import { accountDeleteBody, adminUserPatchBody, inviteCreateBody, passwordChangeBody, sessionIdParams, settingsPatchBody, userIdParams } from '../accountParams'
import { dto, errors, JSON_BODY, json, messageResponse, SIGNED_IN, type FeaturePaths } from './common'

// The caller's account and the admin console (SPEC §10, issue 15). Admin routes answer 403
// FORBIDDEN to a signed-in user who is not an admin.

const ADMIN = [...SIGNED_IN, 'FORBIDDEN'] as const

const session = dto<SessionDto>()(z.object({
  id: z.string(),
  created_at: z.string().meta({ format: 'date-time' }),
  last_used_at: z.string().nullable().meta({ format: 'date-time', description: 'Written at most once a minute' }),
  user_agent: z.string().nullable(),
  current: z.boolean().meta({ description: 'The session of this request' }),
}).meta({ id: 'Session' }))
const revoked = dto<RevokedResponse>()(z.object({ count: z.number().int().min(0) }).meta({ id: 'RevokedResponse' }))
const adminUser = dto<AdminUserDto>()(z.object({
  id: z.number().int(),
  username: z.string(),
  role: z.enum(['admin', 'user']),
  created_at: z.string().meta({ format: 'date-time' }),
  image_count: z.number().int(),
  bytes_used: z.number().int(),
  quota_bytes: z.number().int().nullable().meta({ description: 'The user\'s own quota; null: the default applies' }),
  disabled: z.boolean(),
}).meta({ id: 'AdminUser' }))
const stats = dto<AdminStatsDto>()(z.object({
  users: z.number().int(),
  images: z.number().int(),
  bytes: z.number().int(),
  uploads_per_day: z.array(z.object({ date: z.string().meta({ format: 'date' }), count: z.number().int() })),
}).meta({ id: 'AdminStats' }))
const settings = dto<SettingsDto>()(z.object({
  registration: z.enum(['open', 'invite', 'closed']),
  default_quota_bytes: z.number().int().nullable().meta({ description: 'null: unlimited' }),
}).meta({ id: 'Settings' }))
const invite = dto<InviteDto>()(z.object({
  id: z.number().int(),
  url: z.string().meta({ description: 'The registration page with this invite, absolute' }),
  token: z.string(),
  expires_at: z.string().meta({ format: 'date-time' }),
}).meta({ id: 'Invite' }))

const body = (schema: z.ZodType) => ({ required: true, content: { 'application/json': { schema } } })

export const paths: FeaturePaths = {
  '/api/account': {
    delete: {
      tags: ['account'],
      summary: 'Delete the caller\'s account with every image, file, album, share and session',
      requestBody: body(accountDeleteBody),
      responses: { 200: json(messageResponse), ...errors(...SIGNED_IN, ...JSON_BODY, 'WRONG_PASSWORD', 'LAST_ADMIN', 'RATE_LIMITED') },
    },
  },
  '/api/account/password': {
    post: {
      tags: ['account'],
      summary: 'Change the password (every other session ends)',
      requestBody: body(passwordChangeBody),
      responses: { 200: json(messageResponse), ...errors(...SIGNED_IN, ...JSON_BODY, 'WRONG_PASSWORD', 'RATE_LIMITED') },
    },
  },
  '/api/account/sessions': {
    get: { tags: ['account'], summary: 'The caller\'s signed-in devices, most recently used first', responses: { 200: json(z.array(session)), ...errors(...SIGNED_IN) } },
  },
  '/api/account/sessions/{id}': {
    delete: {
      tags: ['account'],
      summary: 'End one of the caller\'s sessions',
      requestParams: { path: sessionIdParams },
      responses: { 200: json(messageResponse), ...errors(...SIGNED_IN, 'INVALID_SESSION_ID', 'SESSION_NOT_FOUND') },
    },
  },
  '/api/account/sessions/revoke-others': {
    post: { tags: ['account'], summary: 'End every session but this one', responses: { 200: json(revoked), ...errors(...SIGNED_IN) } },
  },
  '/api/admin/users': {
    get: { tags: ['admin'], summary: 'Every account with its image count and bytes (never its photos)', responses: { 200: json(z.array(adminUser)), ...errors(...ADMIN) } },
  },
  '/api/admin/users/{id}': {
    patch: {
      tags: ['admin'],
      summary: 'Change a user\'s role, disabled state (ends their sessions) or own quota',
      requestParams: { path: userIdParams },
      requestBody: body(adminUserPatchBody),
      responses: { 200: json(adminUser), ...errors(...ADMIN, ...JSON_BODY, 'INVALID_USER_ID', 'USER_NOT_FOUND', 'LAST_ADMIN') },
    },
    delete: {
      tags: ['admin'],
      summary: 'Delete a user with everything they stored',
      requestParams: { path: userIdParams },
      responses: { 200: json(messageResponse), ...errors(...ADMIN, 'INVALID_USER_ID', 'USER_NOT_FOUND', 'LAST_ADMIN') },
    },
  },
  '/api/admin/stats': {
    get: { tags: ['admin'], summary: 'Users, images, bytes, and uploads per day over 30 days', responses: { 200: json(stats), ...errors(...ADMIN) } },
  },
  '/api/admin/settings': {
    get: { tags: ['admin'], summary: 'Registration mode and default quota', responses: { 200: json(settings), ...errors(...ADMIN) } },
    patch: {
      tags: ['admin'],
      summary: 'Change the registration mode or the default quota',
      requestBody: body(settingsPatchBody),
      responses: { 200: json(settings), ...errors(...ADMIN, ...JSON_BODY) },
    },
  },
  '/api/admin/invites': {
    post: {
      tags: ['admin'],
      summary: 'A single-use, expiring invite link (the body is optional)',
      requestBody: { required: false, content: { 'application/json': { schema: inviteCreateBody } } },
      responses: { 201: json(invite, 'Created'), ...errors(...ADMIN, ...JSON_BODY) },
    },
  },
}
