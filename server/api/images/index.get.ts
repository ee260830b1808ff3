import { imageListQuery } from '../../../shared/contracts/imageParams'
import type { ImageDto } from '../../../shared/contracts/images'
import { requireUser } from '../../features/auth/guard'
import { listImages, nextPageLink } from '../../features/images/queries'
import { queryParams } from '../../infra/http/validate'

export default defineEventHandler(async (event): Promise<ImageDto[]> => {
  const user = await requireUser(event)
  const { limit, before, favorite, q, sort } = queryParams(event, imageListQuery, 'INVALID_QUERY')
  const page = await listImages(user.id, limit, before, { favorite, q, sort })
  // The next page's address keeps the filters and the order, so its cursor is read as it was made.
  const link = nextPageLink('/api/images', page, { limit, favorite, q, sort: sort === 'taken' ? sort : undefined })
  if (link) setResponseHeader(event, 'Link', link)
  setResponseHeader(event, 'Cache-Control', 'private, no-cache')
  return page.items
})
