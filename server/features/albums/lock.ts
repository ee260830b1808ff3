import { eq } from 'drizzle-orm'
import { retryOnDeadlock, tables, useDb } from '../../infra/db'
import type { AlbumRow } from '../../infra/db/schema'
import { albumNotFound } from './queries'

export type Tx = Parameters<Parameters<ReturnType<typeof useDb>['transaction']>[0]>[0]

/**
 * Runs `work` in a transaction that first locks the album's row. Every change to an album (its
 * fields, its photos) goes through here, so changes to one album run one at a time: 50 parallel adds
 * of the same photos count each new link once, and a change racing the album's deletion gets a clean
 * 404 instead of a foreign-key error. Locking the album before any link also gives every such
 * transaction the same lock order (album, then links), so they cannot deadlock each other. Deleting
 * the album goes through here too, for the same order.
 */
export async function withAlbumLocked<T>(album: AlbumRow, work: (tx: Tx) => Promise<T>): Promise<T> {
  const { albums } = tables
  const attempt = () => useDb().transaction(async (tx) => {
    // By primary key alone, so that only the row itself is locked: a lookup through an index on
    // user_id would lock that index's entry first, and an UPDATE of updated_at (which moves the entry)
    // would then deadlock with it. Ownership is checked on the row.
    const [locked] = await tx.select({ userId: albums.userId }).from(albums).where(eq(albums.id, album.id)).for('update')
    if (locked?.userId !== album.userId) throw albumNotFound()
    return work(tx)
  }, {
    // Read committed: the checks after the lock see what the previous holder committed, and InnoDB
    // takes no gap locks on album_images that could deadlock changes to neighbouring albums.
    isolationLevel: 'read committed',
  })
  // Purging a photo locks the image, then (by cascade) its links and the albums it covers: the
  // opposite order to ours, so InnoDB may pick one of us as a deadlock victim. Ours is safe to rerun.
  return retryOnDeadlock(attempt)
}
