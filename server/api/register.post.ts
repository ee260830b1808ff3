import { credentialsSchema } from '#shared/credentials'

export default defineEventHandler(async (event) => {
  const { username, password } = await readJsonBody(event, credentialsSchema)
  await registerUser(username, password, clientAddress(event))
  setResponseStatus(event, 201)
  return { message: '注册成功' }
})
