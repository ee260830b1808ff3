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
  /** For an account with two-factor sign-in (SPEC §10): the current code, or one of the recovery codes. */
  totp: z.string({ error: '验证码必须是字符串' }).max(20, '验证码错误或已使用').optional(),
  recovery_code: z.string({ error: '恢复码必须是字符串' }).max(64, '验证码错误或已使用').optional(),
}, { error: '请提供用户名和密码' })

export type Credentials = z.infer<typeof credentialsSchema>

/** `GET /api/me` */
export interface MeDto {
  id: number
  username: string
  created_at: string
  /** When the current token expires (ISO 8601), so the web app can refresh it in time. */
  token_expires_at: string
  /** SPEC §10 */
  role: 'admin' | 'user'
  /** Bytes of every stored image of the user, the trash included. */
  bytes_used: number
  /** The effective quota (the user's own, else the settings' default); null = unlimited. */
  quota_bytes: number | null
  /** Every stored image of the user, the trash included. */
  image_count: number
  /** Two-factor sign-in is on (SPEC §10), and how many unused recovery codes are left. */
  two_factor: boolean
  recovery_codes_left: number
  /** The verified email address, if any; `email_available`: the server sends mail (SMTP_URL), so the app may offer email. */
  email: string | null
  email_available: boolean
}

/** `POST /api/login` and `POST /api/refresh` */
export interface TokenResponse { token: string, message: string }
