import { imageIdsBody } from '../../../shared/contracts/imageParams'
import { ownedImages } from '../../features/auth/authorize'
import { requireUser } from '../../features/auth/guard'
import { sendOriginalsZip } from '../../features/images/download'
import { readJsonBody } from '../../infra/http/body'

// A zip of the originals, entries in the order asked for; any id not the caller's live image: 404 before any byte.
export default defineEventHandler(async (event) => {
  const user = await requireUser(event)
  const { image_ids } = await readJsonBody(event, imageIdsBody)
  return sendOriginalsZip(event, await ownedImages(user, image_ids, 'live'))
})
