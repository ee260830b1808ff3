import type { AlbumDeleteResponse } from '../../../shared/contracts/albums'
import { albumIdParams } from '../../../shared/contracts/imageParams'
import { deleteAlbum } from '../../features/albums/edit'
import { ownedAlbum } from '../../features/auth/authorize'
import { requireUser } from '../../features/auth/guard'
import { routerParams } from '../../infra/http/validate'

export default defineEventHandler(async (event): Promise<AlbumDeleteResponse> => {
  const user = await requireUser(event)
  const { id } = routerParams(event, albumIdParams, 'INVALID_ALBUM_ID')
  await deleteAlbum(await ownedAlbum(user, id))
  return { message: '相册删除成功' }
})
