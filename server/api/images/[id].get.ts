import { imageIdParams } from '../../../shared/contracts/imageParams'
import type { ImageDto } from '../../../shared/contracts/images'
import { ownedLiveImage } from '../../features/auth/authorize'
import { requireUser } from '../../features/auth/guard'
import { toImageDto } from '../../features/images/dto'
import { routerParams } from '../../infra/http/validate'

/** One live photo of the caller: what a link to /photos/<id> opens when it is not on the first page. */
export default defineEventHandler(async (event): Promise<ImageDto> => {
  const user = await requireUser(event)
  const { id } = routerParams(event, imageIdParams, 'INVALID_ID')
  return toImageDto(await ownedLiveImage(user, id))
})
