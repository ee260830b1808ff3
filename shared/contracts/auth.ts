import { z } from 'zod'

/** Letters of any script (each with its own combining marks, never a mark on its own), digits, `_ . -`. */
const USERNAME_PATTERN = /^(?:\p{L}\p{M}*|[\p{N}_.-])+$/u

const codePoints = (value: string) => [...value].length

/** NFC form used for display; the lower-cased NFC form decides uniqueness. */
export const normalizeUsername = (value: string) => value.normalize('NFC')
export const usernameKey = (value: string) => normalizeUsername(value).toLowerCase()

export const usernameSchema = z.string({ error: '用户名必须是字符串' })
  .transform(normalizeUsername)
  .refine(v => codePoints(v) >= 3 && codePoints(v) <= 50, '用户名长度须为 3–50 个字符')
  .refine(v => USERNAME_PATTERN.test(v), '用户名只能包含字母、数字、下划线、点和连字符')

export const passwordSchema = z.string({ error: '密码必须是字符串' })
  .refine(v => codePoints(v) >= 8 && codePoints(v) <= 128, '密码长度须为 8–128 个字符')
  .refine(v => !v.includes('\0'), '密码不能包含空字符')

export const credentialsSchema = z.object({
  username: usernameSchema,
  password: passwordSchema,
}, { error: '请提供用户名和密码' })

/** Login accepts whatever was typed (rules may change); only the shape is checked. */
export const loginSchema = z.object({
  username: z.string({ error: '用户名必须是字符串' }).min(1, '请输入用户名').max(200, '用户名或密码错误').transform(normalizeUsername),
  password: z.string({ error: '密码必须是字符串' }).min(1, '请输入密码').max(1024, '用户名或密码错误'),
}, { error: '请提供用户名和密码' })

export type Credentials = z.infer<typeof credentialsSchema>

/** `GET /api/me` */
export interface MeDto {
  id: number
  username: string
  created_at: string
  /** When the current token expires (ISO 8601), so the web app can refresh it in time. */
  token_expires_at: string
}

/** `POST /api/login` and `POST /api/refresh` */
export interface TokenResponse { token: string, message: string }
