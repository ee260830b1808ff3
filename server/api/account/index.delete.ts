import { accountDeleteBody } from '../../../shared/contracts/accountParams'
import type { MessageResponse } from '../../../shared/contracts/images'
import { deleteOwnAccount } from '../../features/accounts/deleteAccount'
import { clearAuthCookie, requireUser } from '../../features/auth/guard'
import { readJsonBody } from '../../infra/http/body'
import { clientAddress } from '../../infra/rateLimit'

export default defineEventHandler(async (event): Promise<MessageResponse> => {
  const user = await requireUser(event)
  const { password } = await readJsonBody(event, accountDeleteBody)
  await deleteOwnAccount(user, password, clientAddress(event))
  clearAuthCookie(event)
  return { message: '账户已删除' }
})
