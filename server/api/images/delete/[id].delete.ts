import { imageIdParams } from '../../../../shared/contracts/imageParams'
import type { MessageResponse } from '../../../../shared/contracts/images'
import { ownedLiveImage } from '../../../features/auth/authorize'
import { requireUser } from '../../../features/auth/guard'
import { deleteImage } from '../../../features/images/delete'
import { routerParams } from '../../../infra/http/validate'

// Moves the image to the trash (SPEC §8); the answer keeps the seed's text.
export default defineEventHandler(async (event): Promise<MessageResponse> => {
  const user = await requireUser(event)
  const { id } = routerParams(event, imageIdParams, 'INVALID_ID')
  await deleteImage(await ownedLiveImage(user, id))
  return { message: '图片删除成功' }
})
