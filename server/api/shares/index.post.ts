import { shareCreateBody, type ShareCreatedDto } from '../../../shared/contracts/shares'
import { requireUser } from '../../features/auth/guard'
import { shareForUser } from '../../features/shares/create'
import { readJsonBody } from '../../infra/http/body'

export default defineEventHandler(async (event): Promise<ShareCreatedDto> => {
  const user = await requireUser(event)
  const body = await readJsonBody(event, shareCreateBody)
  const share = await shareForUser(user, body)
  setResponseStatus(event, 201)
  setResponseHeader(event, 'Cache-Control', 'no-store')
  return share
})
