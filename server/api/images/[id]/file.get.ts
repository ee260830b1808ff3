import { imageFileQuery, imageIdParams } from '../../../../shared/contracts/imageParams'
import { ownedImage } from '../../../features/auth/authorize'
import { requireUser } from '../../../features/auth/guard'
import { sendImage } from '../../../features/images/serve'
import { queryParams, routerParams } from '../../../infra/http/validate'

export default defineEventHandler(async (event) => {
  const user = await requireUser(event)
  const { id } = routerParams(event, imageIdParams, 'INVALID_ID')
  const { variant } = queryParams(event, imageFileQuery, 'INVALID_VARIANT')
  return sendImage(event, await ownedImage(user, id), variant)
})
