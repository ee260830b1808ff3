import { passwordChangeBody } from '../../../shared/contracts/accountParams'
import type { MessageResponse } from '../../../shared/contracts/images'
import { changePassword } from '../../features/accounts/password'
import { requireUser } from '../../features/auth/guard'
import { readJsonBody } from '../../infra/http/body'
import { clientAddress } from '../../infra/rateLimit'

export default defineEventHandler(async (event): Promise<MessageResponse> => {
  const user = await requireUser(event)
  const body = await readJsonBody(event, passwordChangeBody)
  await changePassword(user, body.current_password, body.new_password, clientAddress(event))
  return { message: '密码已修改' }
})
