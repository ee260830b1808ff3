import { shareFileParams, shareFileQuery } from '../../../../../../shared/contracts/shares'
import { openUnlockedShare } from '../../../../../features/shares/access'
import { setShareHeaders } from '../../../../../features/shares/headers'
import { sendSharedFile } from '../../../../../features/shares/serve'
import { sharedImage } from '../../../../../features/shares/view'
import { queryParams, routerParams } from '../../../../../infra/http/validate'

// Public: a photo of a live share (thumb, preview; the original only when downloads are allowed).
export default defineEventHandler(async (event) => {
  setShareHeaders(event)
  const { token, id } = routerParams(event, shareFileParams, 'SHARE_NOT_FOUND')
  const { variant } = queryParams(event, shareFileQuery, 'VALIDATION_ERROR')
  const share = await openUnlockedShare(event, token)
  return sendSharedFile(event, share, await sharedImage(share, id), variant)
})
