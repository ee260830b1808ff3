import { pageQuery } from '../../../shared/contracts/imageParams'
import type { TrashItemDto } from '../../../shared/contracts/images'
import { requireUser } from '../../features/auth/guard'
import { listTrash, nextPageLink } from '../../features/images/queries'
import { queryParams } from '../../infra/http/validate'

export default defineEventHandler(async (event): Promise<TrashItemDto[]> => {
  const user = await requireUser(event)
  const { limit, before } = queryParams(event, pageQuery, 'INVALID_QUERY')
  const page = await listTrash(user.id, limit, before)
  const link = nextPageLink('/api/trash', page, { limit })
  if (link) setResponseHeader(event, 'Link', link)
  setResponseHeader(event, 'Cache-Control', 'private, no-cache')
  return page.items
})
