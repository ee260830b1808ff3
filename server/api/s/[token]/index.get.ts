import { pageQuery } from '../../../../shared/contracts/imageParams'
import { shareTokenParams, type SharedViewDto } from '../../../../shared/contracts/shares'
import { nextPageLink } from '../../../features/images/queries'
import { countView, openUnlockedShare } from '../../../features/shares/access'
import { setShareHeaders } from '../../../features/shares/headers'
import { viewShare } from '../../../features/shares/view'
import { queryParams, routerParams } from '../../../infra/http/validate'

// Public: no account. Unknown, ended or malformed token 404, expired 410, locked 401.
export default defineEventHandler(async (event): Promise<SharedViewDto> => {
  setShareHeaders(event)
  const { token } = routerParams(event, shareTokenParams, 'SHARE_NOT_FOUND')
  const { limit, before } = queryParams(event, pageQuery, 'INVALID_QUERY')
  const share = await openUnlockedShare(event, token)
  const { view, page } = await viewShare(share, token, limit, before)
  if (before === undefined) await countView(share)
  const link = nextPageLink(`/api/s/${token}`, page, { limit })
  if (link) setResponseHeader(event, 'Link', link)
  return view
})
