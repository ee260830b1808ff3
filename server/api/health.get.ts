import { databaseAnswers } from '../features/system/startup'
import { serviceUnavailable } from '../infra/http/errors'

export default defineEventHandler(async (event) => {
  setResponseHeader(event, 'Cache-Control', 'no-store')
  if (!await databaseAnswers()) throw serviceUnavailable()
  return { status: 'ok' }
})
