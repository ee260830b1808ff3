import { batchBody } from '../../../shared/contracts/imageParams'
import type { CountResponse } from '../../../shared/contracts/images'
import { requireUser } from '../../features/auth/guard'
import { batchImages } from '../../features/images/batch'
import { readJsonBody } from '../../infra/http/body'

// Ownership is checked inside batchImages' transaction (authorize.ts withOwnedImages): all or nothing.
export default defineEventHandler(async (event): Promise<CountResponse> => {
  const user = await requireUser(event)
  const { action, image_ids } = await readJsonBody(event, batchBody)
  return { count: await batchImages(user, action, image_ids) }
})
