import type { AlbumDto } from '../../../shared/contracts/albums'
import { albumCreateBody } from '../../../shared/contracts/imageParams'
import { createAlbum } from '../../features/albums/edit'
import { albumDto } from '../../features/albums/queries'
import { requireUser } from '../../features/auth/guard'
import { readJsonBody } from '../../infra/http/body'

export default defineEventHandler(async (event): Promise<AlbumDto> => {
  const user = await requireUser(event)
  const body = await readJsonBody(event, albumCreateBody)
  const id = await createAlbum(user.id, body)
  setResponseStatus(event, 201)
  return albumDto({ id, userId: user.id })
})
