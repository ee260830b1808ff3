import type { H3Event } from 'h3'
import type { ImageDto } from '../../../shared/contracts/images'
import { commitFiles, newKeys, removeFiles, removeTemp } from '../../infra/blob/fs'
import { tables, useDb } from '../../infra/db'
import { toImageDto } from './dto'
import { inspectImage } from './inspect'
import { receiveUpload } from './receive'

/**
 * Receives, validates and stores one uploaded image for the user. Files are renamed into place
 * before the row is written; if the row cannot be written the files are removed again.
 */
export async function storeUpload(event: H3Event, userId: number): Promise<ImageDto> {
  const upload = await receiveUpload(event)
  let thumbFile: string | undefined
  try {
    const image = await inspectImage(upload.tempFile, upload.ext)
    thumbFile = image.thumbFile
    const keys = newKeys(userId, upload.ext)
    await commitFiles([[upload.tempFile, keys.file], [image.thumbFile, keys.thumb]])
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
    }
    try {
      const [inserted] = await useDb().insert(tables.images).values(row).$returningId()
      return toImageDto({ ...row, id: inserted!.id })
    }
    catch (error) {
      await removeFiles(keys.file, keys.thumb)
      throw error
    }
  }
  finally {
    await removeTemp(upload.tempFile, ...(thumbFile ? [thumbFile] : []))
  }
}
