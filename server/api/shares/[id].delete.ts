import { shareIdParams, type ShareRevokeResponse } from '../../../shared/contracts/shares'
import { ownedShare } from '../../features/auth/authorize'
import { requireUser } from '../../features/auth/guard'
import { revokeShare } from '../../features/shares/manage'
import { routerParams } from '../../infra/http/validate'

export default defineEventHandler(async (event): Promise<ShareRevokeResponse> => {
  const user = await requireUser(event)
  const { id } = routerParams(event, shareIdParams, 'INVALID_SHARE_ID')
  await revokeShare(await ownedShare(user, id))
  return { message: '分享链接已撤销' }
})
