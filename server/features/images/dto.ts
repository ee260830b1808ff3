import type { CameraDto, ImageDto } from '../../../shared/contracts/images'
import { images, type ImageRow } from '../../infra/db/schema'

/**
 * The columns a DTO is made of: the lists select only these (fewer columns to read, send and map
 * per row on the hot path, docs/PERFORMANCE.md).
 */
export const imageDtoColumns = {
  id: images.id,
  filename: images.filename,
  createdAt: images.createdAt,
  sha256: images.sha256,
  contentType: images.contentType,
  size: images.size,
  width: images.width,
  height: images.height,
  takenAt: images.takenAt,
  takenOffset: images.takenOffset,
  favorite: images.favorite,
  camera: images.camera,
}

/** An image row as far as its DTO needs it. */
export type ImageDtoRow = Pick<ImageRow, keyof typeof imageDtoColumns>

/** The version a URL carries, so responses can be cached forever (the bytes behind an id never change). */
const version = (image: Pick<ImageRow, 'sha256'>) => image.sha256.slice(0, 12)

/** The thumbnail's URL (also an album's cover, which names only these two columns). */
export const thumbnailUrl = (image: Pick<ImageRow, 'id' | 'sha256'>) => `/api/images/${image.id}/file?variant=thumb&v=${version(image)}`

export function toImageDto(image: ImageDtoRow): ImageDto {
  const path = `/api/images/${image.id}/file`
  return {
    id: image.id,
    filename: image.filename,
    filepath: path,
    created_at: image.createdAt.toISOString(),
    url: `${path}?v=${version(image)}`,
    thumbnail_url: thumbnailUrl(image),
    content_type: image.contentType,
    size: image.size,
    width: image.width,
    height: image.height,
    taken_at: takenAtIso(image),
    favorite: image.favorite,
    camera: parseCamera(image.camera),
  }
}

/** `taken_at` as SPEC §8 writes it: the wall clock as the file has it, with its offset when it has one. */
export function takenAtIso(image: Pick<ImageRow, 'takenAt' | 'takenOffset'>): string | null {
  if (!image.takenAt) return null
  return image.takenAt.replace(' ', 'T') + (image.takenOffset ?? '')
}

/** The stored camera JSON, or null when there is none (or it is unreadable). */
function parseCamera(stored: string | null): CameraDto | null {
  if (!stored) return null
  try { return JSON.parse(stored) as CameraDto }
  catch { return null }
}
