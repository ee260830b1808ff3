import { retryOnDeadlock, useDb } from '../../infra/db'
import type { AlbumRow, ImageRow, ShareRow } from '../../infra/db/schema'
import { imageNotFound } from '../../infra/http/errors'
import { findAlbum } from '../albums/queries'
import { type DbExecutor, findImage, type ImageState, selectImages } from '../images/queries'
import { findShare } from '../shares/manage'
import type { SessionUser } from './sessions'

// What a signed-in user may do to a resource is answered here and nowhere else (CONVENTIONS
// "Authorization in one place"). Routes call these after `requireUser` and before any feature work,
// so a feature function receives only resources its caller may touch. There are no roles yet: the
// one rule is ownership, and someone else's resource is a 404 exactly like a missing one (no
// existence oracle, never a 403).

/**
 * The user's own image, live or in the trash (its owner's file URLs serve both, SPEC §8), or 404
 * IMAGE_NOT_FOUND when it does not exist or belongs to someone else.
 */
export function ownedImage(user: Pick<SessionUser, 'id'>, imageId: number): Promise<ImageRow> {
  return findImage(user.id, imageId)
}

/** The user's own album, or 404 ALBUM_NOT_FOUND when it does not exist or belongs to someone else. */
export function ownedAlbum(user: Pick<SessionUser, 'id'>, albumId: number): Promise<AlbumRow> {
  return findAlbum(user.id, albumId)
}

/** The user's own share link (any state), or 404 SHARE_NOT_FOUND when it does not exist or belongs to someone else. */
export function ownedShare(user: Pick<SessionUser, 'id'>, shareId: number): Promise<ShareRow> {
  return findShare(user.id, shareId)
}

/** The user's own image outside the trash (what PATCH and delete act on), else 404 IMAGE_NOT_FOUND. */
export function ownedLiveImage(user: Pick<SessionUser, 'id'>, imageId: number): Promise<ImageRow> {
  return findImage(user.id, imageId, 'live')
}

/**
 * Every one of `ids` (distinct) as the user's own image in `state`, in the order of `ids`, else 404
 * IMAGE_NOT_FOUND for the lot: one foreign, missing or wrongly placed id refuses the whole request
 * (SPEC §8). Not locked: for reads (the zip download); changes go through `withOwnedImages`.
 */
export async function ownedImages(user: Pick<SessionUser, 'id'>, ids: number[], state: Exclude<ImageState, 'any'>): Promise<ImageRow[]> {
  const byId = new Map(allOrNotFound(await selectImages(useDb(), user.id, ids, state), ids).map(row => [row.id, row]))
  return ids.flatMap(id => byId.get(id) ?? [])
}

/**
 * Runs `work` in one transaction after checking, with the rows locked, that every one of `ids` is the
 * user's own image in `state`; otherwise 404 IMAGE_NOT_FOUND and nothing changes. Holding the locks
 * until commit is what makes the check hold for `work`: 50 identical requests at once queue on the
 * rows, and each sees what the ones before it committed (read committed: no gap locks). A deadlock
 * (possible against other tables' cascades) is retried.
 */
export async function withOwnedImages<T>(user: Pick<SessionUser, 'id'>, ids: number[], state: Exclude<ImageState, 'any'>, work: (tx: DbExecutor, rows: ImageRow[]) => Promise<T>): Promise<T> {
  return retryOnDeadlock(() => useDb().transaction(async (tx) => {
    const rows = allOrNotFound(await selectImages(tx, user.id, ids, state, { forUpdate: true }), ids)
    return work(tx, rows)
  }, { isolationLevel: 'read committed' }))
}

function allOrNotFound(rows: ImageRow[], ids: number[]): ImageRow[] {
  if (rows.length !== ids.length) throw imageNotFound()
  return rows
}
