import type { AlbumDto } from '../../../shared/contracts/albums'
import { listAlbums } from '../../features/albums/queries'
import { requireUser } from '../../features/auth/guard'

export default defineEventHandler(async (event): Promise<AlbumDto[]> => {
  const user = await requireUser(event)
  setResponseHeader(event, 'Cache-Control', 'private, no-cache')
  return listAlbums(user.id)
})
