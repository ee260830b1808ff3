import type { ShareCreatedDto, ShareCreateInput } from '../../../shared/contracts/shares'
import { ownedAlbum, ownedLiveImage } from '../auth/authorize'
import type { SessionUser } from '../auth/sessions'
import { createShare } from './manage'

/**
 * `POST /api/shares`: a link to one of the caller's albums or live photos (someone else's, a missing
 * or a trashed one: 404 ALBUM_NOT_FOUND / IMAGE_NOT_FOUND, nothing created).
 */
export async function shareForUser(user: Pick<SessionUser, 'id'>, input: ShareCreateInput): Promise<ShareCreatedDto> {
  const target = input.album_id !== undefined
    ? { kind: 'album' as const, id: (await ownedAlbum(user, input.album_id)).id }
    : { kind: 'image' as const, id: (await ownedLiveImage(user, input.image_id ?? 0)).id }
  return createShare(user.id, target, input)
}
