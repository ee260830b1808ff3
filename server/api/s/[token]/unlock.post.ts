import { shareTokenParams, shareUnlockBody, type ShareUnlockResponse } from '../../../../shared/contracts/shares'
import { unlockShare } from '../../../features/shares/access'
import { setShareHeaders } from '../../../features/shares/headers'
import { readJsonBody } from '../../../infra/http/body'
import { routerParams } from '../../../infra/http/validate'

// Public: the share's password sets its cookie. Attempts are limited before the password is compared.
export default defineEventHandler(async (event): Promise<ShareUnlockResponse> => {
  setShareHeaders(event)
  const { token } = routerParams(event, shareTokenParams, 'SHARE_NOT_FOUND')
  const { password } = await readJsonBody(event, shareUnlockBody)
  return unlockShare(event, token, password)
})
