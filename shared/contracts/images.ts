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
  /** EXIF capture time, ISO 8601: `2023-04-05T06:07:08` (wall clock, no offset in the file) or with its offset; null when absent. */
  taken_at: string | null
  favorite: boolean
  /** Camera facts from EXIF, for the owner only (never through a share); null when the file has none. */
  camera: CameraDto | null
}

/** What the file says about the camera; null for what it lacks. */
export interface CameraDto {
  make: string | null
  model: string | null
  lens: string | null
  /** millimetres */
  focal_length: number | null
  /** f-number */
  aperture: number | null
  /** seconds */
  exposure_time: number | null
  iso: number | null
}

/** A photo in the trash. */
export interface TrashItemDto extends ImageDto {
  deleted_at: string
}

/** `409 DUPLICATE_IMAGE`: the same bytes are already one of the caller's images (maybe in the trash). */
export interface DuplicateImageBody {
  message: string
  code: 'DUPLICATE_IMAGE'
  image_id: number
  in_trash: boolean
}

/** Batch, trash and album membership answers. */
export interface CountResponse { count: number }

export type ImageSort = 'uploaded' | 'taken'
export type BatchAction = 'trash' | 'favorite' | 'unfavorite'

export interface UploadResponse { message: string, image: ImageDto }
export interface MessageResponse { message: string }

export type ImageVariant = 'original' | 'thumb'
