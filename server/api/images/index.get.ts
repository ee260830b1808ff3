import { imageListQuery } from '../../../shared/contracts/imageParams'
import type { ImageDto } from '../../../shared/contracts/images'
import { requireUser } from '../../features/auth/guard'
import { listImages } from '../../features/images/queries'
import { queryParams } from '../../infra/http/validate'

export default defineEventHandler(async (event): Promise<ImageDto[]> => {
  const user = await requireUser(event)
  const { limit, before } = queryParams(event, imageListQuery, 'INVALID_QUERY')
  const { images, next } = await listImages(user.id, limit, before)
  if (next !== undefined) setResponseHeader(event, 'Link', `</api/images?limit=${limit}&before=${next}>; rel="next"`)
  setResponseHeader(event, 'Cache-Control', 'private, no-cache')
  return images
})
