// Types only (zod-free, like images.ts): the web app imports this file.

/** An album as the API answers it (SPEC §8). */
export interface AlbumDto {
  id: number
  title: string
  description: string
  /** Live (not trashed) photos in the album. */
  image_count: number
  /** The chosen cover while it is in the album (and live), else the most recently added photo, else null. */
  cover_thumbnail_url: string | null
  created_at: string
  updated_at: string
}

/** `DELETE /api/albums/:id`: the album is gone, its photos stay in the gallery. */
export interface AlbumDeleteResponse {
  message: string
}
