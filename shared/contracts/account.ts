// Types only (zod-free, like images.ts): the web app imports this file. The schemas the routes
// validate with are in accountParams.ts.

export type Role = 'admin' | 'user'
export type RegistrationMode = 'open' | 'invite' | 'closed'

/** `GET /api/account/sessions`: one signed-in device of the caller. */
export interface SessionDto {
  id: string
  created_at: string
  /** Updated at most once a minute (null: not used since it was opened). */
  last_used_at: string | null
  /** The browser's User-Agent at sign-in (cut to 255 characters), or null. */
  user_agent: string | null
  /** True for the session this request was made with. */
  current: boolean
}

/** `POST /api/account/sessions/revoke-others` */
export interface RevokedResponse { count: number }

/** `GET /api/admin/users`: counts and sizes only, never anything of the user's photos. */
export interface AdminUserDto {
  id: number
  username: string
  role: Role
  created_at: string
  /** Every stored image, the trash included (trashed bytes count against the quota). */
  image_count: number
  bytes_used: number
  /** The user's own quota; null = the settings' default applies. */
  quota_bytes: number | null
  disabled: boolean
}

/** `GET /api/admin/stats` */
export interface AdminStatsDto {
  users: number
  images: number
  bytes: number
  /** The last 30 days (UTC), oldest first, days without uploads included with count 0. */
  uploads_per_day: Array<{ date: string, count: number }>
}

/** `GET|PATCH /api/admin/settings` */
export interface SettingsDto {
  registration: RegistrationMode
  /** The quota of users without their own; null = unlimited. */
  default_quota_bytes: number | null
}

/** `POST /api/admin/invites` (201) */
export interface InviteDto {
  id: number
  /** The registration page with this invite filled in. */
  url: string
  token: string
  expires_at: string
}
