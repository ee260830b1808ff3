import type { H3Event } from 'h3'
import type { ImageDto } from '../../../shared/contracts/images'
import { useBlobStore } from '../../infra/blob'
import { tables, useDb } from '../../infra/db'
import { removeTemp } from '../../infra/tempFiles'
import { newImageKeys } from './consistency'
import { toImageDto } from './dto'
import { inspectImage } from './inspect'
import { receiveUpload } from './receive'

/**
 * Receives, validates and stores one uploaded image for the user.
 *
 * Write order, and what a crash at each step leaves: the body goes to a local temporary file, the
 * thumbnail to another (crash: temporary files of a dead process, removed by the start-up sweep);
 * both are moved into storage, then the row is inserted (crash in between: objects without a row,
 * removed by the start-up consistency sweep once older than ORPHAN_GRACE_SECONDS). The row comes
 * last because a row is what makes an image visible: it never points at files that are not there.
 * test/api/crash-upload.test.ts kills the server at each step.
 */
export async function storeUpload(event: H3Event, userId: number): Promise<ImageDto> {
  const upload = await receiveUpload(event)
  const store = useBlobStore()
  let thumbFile: string | undefined
  try {
    const image = await inspectImage(upload.tempFile, upload.ext)
    thumbFile = image.thumbFile
    const keys = newImageKeys(userId, upload.ext)
    try {
      await store.putFile(keys.file, upload.tempFile)
      await store.putFile(keys.thumb, image.thumbFile)
      const row = {
        userId,
        filename: upload.filename,
        filepath: keys.file,
        thumbpath: keys.thumb,
        contentType: image.contentType,
        size: upload.size,
        width: image.width,
        height: image.height,
        sha256: upload.sha256,
        createdAt: new Date(),
        takenAt: null,
        takenOffset: null,
        favorite: false,
        deletedAt: null,
        camera: null,
        metaVersion: 0,
      }
      const [inserted] = await useDb().insert(tables.images).values({ ...row, sortAt: row.createdAt }).$returningId()
      return toImageDto({ ...row, sortAt: row.createdAt, id: inserted!.id })
    }
    catch (error) {
      await Promise.all([store.delete(keys.file), store.delete(keys.thumb)])
      throw error
    }
  }
  finally {
    // Already moved when stored; otherwise nothing of a refused upload stays behind.
    await removeTemp(upload.tempFile, ...(thumbFile ? [thumbFile] : []))
  }
}
