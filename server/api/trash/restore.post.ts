import { imageIdsBody } from '../../../shared/contracts/imageParams'
import type { CountResponse } from '../../../shared/contracts/images'
import { requireUser } from '../../features/auth/guard'
import { restoreImages } from '../../features/images/trash'
import { readJsonBody } from '../../infra/http/body'

// Ownership and trash state are checked inside restoreImages' transaction (authorize.ts withOwnedImages).
export default defineEventHandler(async (event): Promise<CountResponse> => {
  const user = await requireUser(event)
  const { image_ids } = await readJsonBody(event, imageIdsBody)
  return { count: await restoreImages(user, image_ids) }
})
