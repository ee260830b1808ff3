import { registerSchema } from '../../shared/contracts/accountParams'
import type { MessageResponse } from '../../shared/contracts/images'
import { registerUser } from '../features/auth/accounts'
import { readJsonBody } from '../infra/http/body'
import { clientAddress } from '../infra/rateLimit'

export default defineEventHandler(async (event): Promise<MessageResponse> => {
  const { username, password, invite } = await readJsonBody(event, registerSchema)
  await registerUser(username, password, clientAddress(event), invite)
  setResponseStatus(event, 201)
  return { message: '注册成功' }
})
