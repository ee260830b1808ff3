import { z } from 'zod'
import { passwordSchema } from './auth'

/** Two-factor sign-in and email (SPEC §10): request bodies and answers. */

/** A TOTP code as typed: six digits, spaces forgiven. */
export const totpCode = z.string({ error: '请输入验证码' }).max(20, '验证码为 6 位数字').transform(v => v.replace(/\s/g, ''))
  .refine(v => /^\d{6}$/.test(v), '验证码为 6 位数字')

/** `POST /api/account/2fa/enable` */
export const twoFactorEnableBody = z.object({ code: totpCode }, { error: '请输入验证码' }).strict()

/** `DELETE /api/account/2fa` */
export const twoFactorDisableBody = z.object({
  password: z.string({ error: '请输入密码' }).min(1, '请输入密码').max(1024),
}, { error: '请输入密码' }).strict()

/** An email address: trimmed, lower-cased, at most 254 characters. */
export const emailSchema = z.string({ error: '请输入邮箱地址' }).trim().toLowerCase().max(254, '邮箱地址过长')
  .pipe(z.email({ error: '邮箱地址格式不正确' }))

/** An address as sent; the server checks it with emailSchema and answers 400 EMAIL_INVALID when malformed. */
const emailField = z.string({ error: '请输入邮箱地址' }).max(1000, '邮箱地址过长')

/** `POST /api/account/email` */
export const emailBody = z.object({ email: emailField }, { error: '请输入邮箱地址' }).strict()

/** A token from a link: 43 URL-safe characters (256 bits); anything else is refused as it is. */
export const linkToken = z.string({ error: '链接无效' }).min(1, '链接无效').max(200, '链接无效')

/** `GET /api/password/forgot`: whether "forgot password" is on (the server sends mail). */
export interface ForgotAvailabilityDto { available: boolean }
/** `POST /api/account/email/verify` */
export const emailVerifyBody = z.object({ token: linkToken }, { error: '链接无效' }).strict()

/** `POST /api/password/forgot`: a username or an email, exactly one. */
export const forgotBody = z.union([
  z.object({ username: z.string({ error: '请输入用户名' }).trim().min(1, '请输入用户名').max(200, '用户名过长') }).strict(),
  z.object({ email: emailField }).strict(),
], { error: '请提供用户名或邮箱地址' })

/** `POST /api/password/reset` */
export const resetBody = z.object({ token: linkToken, new_password: passwordSchema }, { error: '请提供链接和新密码' }).strict()

/** `POST /api/account/2fa/setup` */
export interface TwoFactorSetupDto { secret: string, otpauth_url: string }
/** `POST /api/account/2fa/enable` */
export interface RecoveryCodesDto { recovery_codes: string[] }
/** `GET /api/password/forgot`: whether "forgot password" is on (the server sends mail). */
export interface ForgotAvailabilityDto { available: boolean }
/** `POST /api/account/email/verify` */
export interface EmailVerifiedDto { message: string, email: string }
/** `POST /api/admin/users/:id/reset-link` */
export interface ResetLinkDto { url: string, expires_at: string }
