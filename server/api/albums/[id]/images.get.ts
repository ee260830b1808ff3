import { albumIdParams, pageQuery } from '../../../../shared/contracts/imageParams'
import type { ImageDto } from '../../../../shared/contracts/images'
import { listAlbumImages } from '../../../features/albums/queries'
import { ownedAlbum } from '../../../features/auth/authorize'
import { requireUser } from '../../../features/auth/guard'
import { queryParams, routerParams } from '../../../infra/http/validate'

export default defineEventHandler(async (event): Promise<ImageDto[]> => {
  const user = await requireUser(event)
  const { id } = routerParams(event, albumIdParams, 'INVALID_ALBUM_ID')
  const { limit, before } = queryParams(event, pageQuery, 'INVALID_QUERY')
  const { images, next } = await listAlbumImages(await ownedAlbum(user, id), limit, before)
  if (next !== undefined) setResponseHeader(event, 'Link', `</api/albums/${id}/images?limit=${limit}&before=${next}>; rel="next"`)
  setResponseHeader(event, 'Cache-Control', 'private, no-cache')
  return images
})
