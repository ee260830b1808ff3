import type { AlbumDto } from '../../../shared/contracts/albums'
import type { AlbumRow, ImageRow } from '../../infra/db/schema'
import { toImageDto } from '../images/dto'

/** An album row with what the list query adds to it: its live photo count and its cover photo. */
export interface AlbumSummaryRow {
  album: AlbumRow
  imageCount: number
  cover: ImageRow | null
}

export function toAlbumDto({ album, imageCount, cover }: AlbumSummaryRow): AlbumDto {
  return {
    id: album.id,
    title: album.title,
    description: album.description,
    image_count: imageCount,
    // The image DTO's own thumbnail URL, so the album page and the grid share one cached file.
    cover_thumbnail_url: cover ? toImageDto(cover).thumbnail_url : null,
    created_at: album.createdAt.toISOString(),
    updated_at: album.updatedAt.toISOString(),
  }
}
