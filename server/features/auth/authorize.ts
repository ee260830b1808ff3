import type { ImageRow } from '../../infra/db/schema'
import { findImage } from '../images/queries'
import type { SessionUser } from './sessions'

// What a signed-in user may do to a resource is answered here and nowhere else (CONVENTIONS
// "Authorization in one place"). Routes call these after `requireUser` and before any feature work,
// so a feature function receives only resources its caller may touch. There are no roles yet: the
// one rule is ownership, and someone else's resource is a 404 exactly like a missing one (no
// existence oracle, never a 403).

/** The user's own image, or 404 IMAGE_NOT_FOUND when it does not exist or belongs to someone else. */
export function ownedImage(user: Pick<SessionUser, 'id'>, imageId: number): Promise<ImageRow> {
  return findImage(user.id, imageId)
}
