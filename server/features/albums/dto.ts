import type { AlbumDto } from '../../../shared/contracts/albums'
import type { AlbumRow, ImageRow } from '../../infra/db/schema'
import { thumbnailUrl } from '../images/dto'

/** An album row with what the list query adds to it: its live photo count and its cover photo. */
export interface AlbumSummaryRow {
  album: AlbumRow
  imageCount: number
  /** The cover photo's id and hash (what its thumbnail URL is made of), or null. */
  cover: Pick<ImageRow, 'id' | 'sha256'> | null
}

export function toAlbumDto({ album, imageCount, cover }: AlbumSummaryRow): AlbumDto {
  return {
    id: album.id,
    title: album.title,
    description: album.description,
    image_count: imageCount,
    // The image DTO's own thumbnail URL, so the album page and the grid share one cached file.
    cover_thumbnail_url: cover ? thumbnailUrl(cover) : null,
    created_at: album.createdAt.toISOString(),
    updated_at: album.updatedAt.toISOString(),
  }
}
