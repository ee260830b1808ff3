import { albumIdParams, imageIdsBody } from '../../../../shared/contracts/imageParams'
import type { CountResponse } from '../../../../shared/contracts/images'
import { removeAlbumImages } from '../../../features/albums/membership'
import { ownedAlbum } from '../../../features/auth/authorize'
import { requireUser } from '../../../features/auth/guard'
import { readJsonBody } from '../../../infra/http/body'
import { routerParams } from '../../../infra/http/validate'

export default defineEventHandler(async (event): Promise<CountResponse> => {
  const user = await requireUser(event)
  const { id } = routerParams(event, albumIdParams, 'INVALID_ALBUM_ID')
  const { image_ids } = await readJsonBody(event, imageIdsBody)
  return { count: await removeAlbumImages(await ownedAlbum(user, id), image_ids) }
})
