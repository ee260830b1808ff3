import { credentialsSchema } from '../../shared/contracts/auth'
import type { MessageResponse } from '../../shared/contracts/images'
import { registerUser } from '../features/auth/accounts'
import { readJsonBody } from '../infra/http/body'
import { clientAddress } from '../infra/rateLimit'

export default defineEventHandler(async (event): Promise<MessageResponse> => {
  const { username, password } = await readJsonBody(event, credentialsSchema)
  await registerUser(username, password, clientAddress(event))
  setResponseStatus(event, 201)
  return { message: '注册成功' }
})
