import { imageIdParams, imagePatchBody } from '../../../shared/contracts/imageParams'
import type { ImageDto } from '../../../shared/contracts/images'
import { ownedLiveImage } from '../../features/auth/authorize'
import { requireUser } from '../../features/auth/guard'
import { patchImage } from '../../features/images/patch'
import { readJsonBody } from '../../infra/http/body'
import { routerParams } from '../../infra/http/validate'

export default defineEventHandler(async (event): Promise<ImageDto> => {
  const user = await requireUser(event)
  const { id } = routerParams(event, imageIdParams, 'INVALID_ID')
  const changes = await readJsonBody(event, imagePatchBody)
  return patchImage(await ownedLiveImage(user, id), changes)
})
