import { z } from 'zod'
import { credentialsSchema, passwordSchema } from './auth'
import { idString } from './imageParams'

/** The largest quota accepted: 1 PiB (well inside a JavaScript number's exact integers). */
export const MAX_QUOTA_BYTES = 2 ** 50

const quotaBytes = z.number({ error: 'quota_bytes 须为字节数或 null' }).int('quota_bytes 须为整数').min(0, 'quota_bytes 不能为负').max(MAX_QUOTA_BYTES, 'quota_bytes 过大').nullable()

/** `POST /api/register`: the credentials, and the invite token when registration is by invitation. */
export const registerSchema = credentialsSchema.extend({
  invite: z.string({ error: '邀请码必须是字符串' }).min(1).max(200).optional(),
})

/** A session id as the sessions list answers it (22 URL-safe characters). */
export const sessionIdParams = z.object({ id: z.string().regex(/^[\w-]{22}$/) })

export const userIdParams = z.object({ id: idString })

/** `POST /api/account/password`: the current password is only compared, so any string up to login's limit. */
export const passwordChangeBody = z.object({
  current_password: z.string({ error: '请输入当前密码' }).min(1, '请输入当前密码').max(1024),
  new_password: passwordSchema,
}).strict()

/** `DELETE /api/account` */
export const accountDeleteBody = z.object({
  password: z.string({ error: '请输入密码' }).min(1, '请输入密码').max(1024),
}).strict()

/** `PATCH /api/admin/users/:id`: at least one field. */
export const adminUserPatchBody = z.object({
  role: z.enum(['admin', 'user'], { error: 'role 须为 admin 或 user' }).optional(),
  disabled: z.boolean({ error: 'disabled 须为 true 或 false' }).optional(),
  quota_bytes: quotaBytes.optional(),
}).strict().refine(body => Object.keys(body).length > 0, '请至少提供 role、disabled 或 quota_bytes 之一')

/** `PATCH /api/admin/settings`: at least one field; any other key or value is a 400. */
export const settingsPatchBody = z.object({
  registration: z.enum(['open', 'invite', 'closed'], { error: 'registration 须为 open、invite 或 closed' }).optional(),
  default_quota_bytes: quotaBytes.optional(),
}).strict().refine(body => Object.keys(body).length > 0, '请至少提供 registration 或 default_quota_bytes 之一')

/** `POST /api/admin/invites`: how long the link lives, one hour to 30 days (default 7 days). */
export const inviteCreateBody = z.object({
  expires_in: z.number().int().min(3600).max(30 * 24 * 3600).default(7 * 24 * 3600),
}).strict()
