/** An image as the API lists it. */
export interface ImageDto {
  id: number
  filename: string
  /** URL path of the original (never a disk path). */
  filepath: string
  created_at: string
  url: string
  thumbnail_url: string
  content_type: string
  size: number
  width: number
  height: number
}

export interface MeDto {
  id: number
  username: string
  created_at: string
  /** When the current token expires (ISO 8601), so the web app can refresh it in time. */
  token_expires_at: string
}

export interface ApiErrorBody {
  message: string
  code: string
}

export const ALLOWED_EXTENSIONS = ['png', 'jpg', 'jpeg', 'gif'] as const
