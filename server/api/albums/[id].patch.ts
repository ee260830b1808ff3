import type { AlbumDto } from '../../../shared/contracts/albums'
import { albumIdParams, albumPatchBody } from '../../../shared/contracts/imageParams'
import { updateAlbum } from '../../features/albums/edit'
import { albumDto } from '../../features/albums/queries'
import { ownedAlbum } from '../../features/auth/authorize'
import { requireUser } from '../../features/auth/guard'
import { readJsonBody } from '../../infra/http/body'
import { routerParams } from '../../infra/http/validate'

export default defineEventHandler(async (event): Promise<AlbumDto> => {
  const user = await requireUser(event)
  const { id } = routerParams(event, albumIdParams, 'INVALID_ALBUM_ID')
  const patch = await readJsonBody(event, albumPatchBody)
  const album = await ownedAlbum(user, id)
  await updateAlbum(album, patch)
  return albumDto(album)
})
