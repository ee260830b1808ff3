import { imageIdParams } from '../../../../shared/contracts/imageParams'
import type { MessageResponse } from '../../../../shared/contracts/images'
import { requireUser } from '../../../features/auth/guard'
import { deleteImage } from '../../../features/images/delete'
import { routerParams } from '../../../infra/http/validate'

export default defineEventHandler(async (event): Promise<MessageResponse> => {
  const user = await requireUser(event)
  const { id } = routerParams(event, imageIdParams, 'INVALID_ID')
  await deleteImage(user.id, id)
  return { message: '图片删除成功' }
})
