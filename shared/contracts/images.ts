// Types and constants only: the web app's gallery bundle imports this file, and zod stays out of it.
export const ALLOWED_EXTENSIONS = ['png', 'jpg', 'jpeg', 'gif'] as const

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

export interface UploadResponse { message: string, image: ImageDto }
export interface MessageResponse { message: string }

export type ImageVariant = 'original' | 'thumb'
