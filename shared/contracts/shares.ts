import { z } from 'zod'
import { idNumber, idString } from './imageParams'

// Share links (SPEC §9): the zod schemas the routes validate with, and the DTOs both sides read.

/** Expiry bounds in seconds: one minute to one year; a link without an expiry does not exist. */
export const SHARE_EXPIRES_MIN = 60
export const SHARE_EXPIRES_MAX = 365 * 24 * 3600
export const SHARE_EXPIRES_DEFAULT = 7 * 24 * 3600
/** A share password's length in characters (code points), like an account password's. */
export const SHARE_PASSWORD_MIN = 8
export const SHARE_PASSWORD_MAX = 128

const codePoints = (value: string) => [...value].length

/** `POST /api/shares`: exactly one of `album_id` and `image_id`. */
export const shareCreateBody = z.object({
  album_id: idNumber.optional(),
  image_id: idNumber.optional(),
  expires_in: z.number({ error: 'expires_in 须为秒数' }).int('expires_in 须为整数秒')
    .min(SHARE_EXPIRES_MIN, '有效期须为 60 秒到 365 天')
    .max(SHARE_EXPIRES_MAX, '有效期须为 60 秒到 365 天')
    .default(SHARE_EXPIRES_DEFAULT),
  password: z.string({ error: '密码必须是字符串' })
    .refine(v => codePoints(v) >= SHARE_PASSWORD_MIN && codePoints(v) <= SHARE_PASSWORD_MAX, '分享密码长度须为 8–128 个字符')
    .refine(v => !v.includes('\0'), '密码不能包含空字符')
    .optional(),
  allow_download: z.boolean({ error: 'allow_download 须为 true 或 false' }).default(false),
}, { error: '请提供 album_id 或 image_id' })
  .strict()
  .refine(body => (body.album_id === undefined) !== (body.image_id === undefined), '请提供 album_id 或 image_id 之一')

/** `/api/shares/:id` */
export const shareIdParams = z.object({ id: idString })

/** A share token as it appears in a URL: 32 random bytes, base64url (43 characters, 256 bits). */
export const SHARE_TOKEN_PATTERN = /^[\w-]{43}$/
const shareToken = z.string().regex(SHARE_TOKEN_PATTERN)

/** `/api/s/:token` */
export const shareTokenParams = z.object({ token: shareToken })

/** `/api/s/:token/images/:id/file` */
export const shareFileParams = z.object({ token: shareToken, id: idString })

/** `?variant=` of a shared file: the original only when the share allows downloads. */
export const shareFileQuery = z.object({ variant: z.enum(['original', 'preview', 'thumb']).default('original') })

/** `POST /api/s/:token/unlock`: whatever was typed (the rules may have changed); only the shape is checked. */
export const shareUnlockBody = z.object({
  password: z.string({ error: '密码必须是字符串' }).min(1, '请输入密码').max(1024, '分享密码错误'),
}, { error: '请输入密码' }).strict()

export type ShareCreateInput = z.output<typeof shareCreateBody>
export type ShareFileVariant = z.output<typeof shareFileQuery>['variant']

/** What a share points at. */
export interface ShareTarget { kind: 'album' | 'image', id: number }

/** `POST /api/shares` → 201 */
export interface ShareCreatedDto {
  id: number
  /** The app's own `/s/<token>` page, absolute. */
  url: string
  token: string
  expires_at: string
  allow_download: boolean
  has_password: boolean
  target: ShareTarget
}

/** One of the owner's links in `GET /api/shares`. */
export interface ShareDto extends ShareCreatedDto {
  /** The album's title or the photo's file name (null once the album is gone). */
  title: string | null
  /** A thumbnail of the photo or the album's latest photo, for the owner's list. */
  thumbnail_url: string | null
  created_at: string
  view_count: number
  last_viewed_at: string | null
  /** `active`, `expired` (past expires_at) or `ended` (revoked, or its photo or album deleted). */
  status: 'active' | 'expired' | 'ended'
}

/** `DELETE /api/shares/:id` */
export interface ShareRevokeResponse { message: string }

/** `POST /api/s/:token/unlock`: the share's cookie is set until this time. */
export interface ShareUnlockResponse { expires_at: string }

/** A photo in a public share: no file name, owner or location. */
export interface SharedImageDto {
  id: number
  width: number
  height: number
  taken_at: string | null
  thumbnail_url: string
  preview_url: string
  /** Only when the share allows downloads. */
  original_url?: string
}

/** `GET /api/s/:token` (paged like the list: `limit`, `before`, `Link`). */
export interface SharedViewDto {
  kind: 'album' | 'image'
  title: string
  expires_at: string
  allow_download: boolean
  images: SharedImageDto[]
}
