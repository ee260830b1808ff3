import type { AlbumDto } from '../../../shared/contracts/albums'
import { albumIdParams } from '../../../shared/contracts/imageParams'
import { albumDto } from '../../features/albums/queries'
import { ownedAlbum } from '../../features/auth/authorize'
import { requireUser } from '../../features/auth/guard'
import { routerParams } from '../../infra/http/validate'

export default defineEventHandler(async (event): Promise<AlbumDto> => {
  const user = await requireUser(event)
  const { id } = routerParams(event, albumIdParams, 'INVALID_ALBUM_ID')
  setResponseHeader(event, 'Cache-Control', 'private, no-cache')
  return albumDto(await ownedAlbum(user, id))
})
