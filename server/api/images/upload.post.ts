import type { UploadResponse } from '../../../shared/contracts/images'
import { requireUser } from '../../features/auth/guard'
import { storeUpload } from '../../features/images/upload'

export default defineEventHandler(async (event): Promise<UploadResponse> => {
  const user = await requireUser(event)
  const image = await storeUpload(event, user.id)
  setResponseStatus(event, 201)
  return { message: '图片上传成功', image }
})
