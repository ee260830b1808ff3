import { trashPurgeBody } from '../../../shared/contracts/imageParams'
import type { CountResponse } from '../../../shared/contracts/images'
import { requireUser } from '../../features/auth/guard'
import { emptyTrash, purgeImages } from '../../features/images/trash'
import { readJsonBody } from '../../infra/http/body'

// `{image_ids}` purges those (all in the caller's trash, checked in purgeImages' transaction), `{all: true}` the whole trash.
export default defineEventHandler(async (event): Promise<CountResponse> => {
  const user = await requireUser(event)
  const body = await readJsonBody(event, trashPurgeBody)
  return { count: 'all' in body ? await emptyTrash(user) : await purgeImages(user, body.image_ids) }
})
