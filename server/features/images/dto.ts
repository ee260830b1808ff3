import type { ImageDto } from '../../../shared/contracts/images'
import type { ImageRow } from '../../infra/db/schema'

/** The version a URL carries, so responses can be cached forever (the bytes behind an id never change). */
const version = (image: Pick<ImageRow, 'sha256'>) => image.sha256.slice(0, 12)

export function toImageDto(image: ImageRow): ImageDto {
  const path = `/api/images/${image.id}/file`
  return {
    id: image.id,
    filename: image.filename,
    filepath: path,
    created_at: image.createdAt.toISOString(),
    url: `${path}?v=${version(image)}`,
    thumbnail_url: `${path}?variant=thumb&v=${version(image)}`,
    content_type: image.contentType,
    size: image.size,
    width: image.width,
    height: image.height,
  }
}
