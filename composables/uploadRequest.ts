import type { DuplicateImageBody, ImageDto } from '#shared/contracts/images'

/** A refused upload; for 409 DUPLICATE_IMAGE, which photo of the user already has these bytes. */
export type UploadFailure = ApiFailure & { duplicate?: { imageId: number, inTrash: boolean } }

function uploadFailure(status: number, body: unknown, retryAfter: string | null): UploadFailure {
  const failure: UploadFailure = apiFailure(status, body, retryAfter)
  const duplicate = body as Partial<DuplicateImageBody> | null
  if (failure.code === 'DUPLICATE_IMAGE' && typeof duplicate?.image_id === 'number') {
    failure.duplicate = { imageId: duplicate.image_id, inTrash: duplicate.in_trash === true }
  }
  return failure
}

export interface UploadHooks {
  /** Fraction of the request body sent, 0–1. */
  onProgress: (fraction: number) => void
  /** All bytes are sent; the server is now checking the image and making its thumbnail. */
  onSent: () => void
  signal?: AbortSignal
}

/**
 * POSTs one file as the multipart `file` field. XMLHttpRequest rather than $fetch, because only XHR
 * reports upload progress. Rejects with an UploadFailure (status 0 = no answer, code ABORTED when cancelled).
 */
export function uploadRequest(file: File, hooks: UploadHooks): Promise<{ message: string, image: ImageDto }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', '/api/images/upload')
    xhr.responseType = 'json'
    xhr.setRequestHeader('Accept', 'application/json')
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) hooks.onProgress(event.loaded / event.total)
    }
    xhr.upload.onload = () => hooks.onSent()
    xhr.onload = () => {
      if (xhr.status === 201 && xhr.response?.image) resolve(xhr.response)
      else reject(uploadFailure(xhr.status, xhr.response, xhr.getResponseHeader('retry-after')))
    }
    xhr.onerror = () => reject(apiFailure(0, null))
    xhr.onabort = () => reject(apiFailure(0, { code: 'ABORTED', message: '' }))
    hooks.signal?.addEventListener('abort', () => xhr.abort(), { once: true })
    const form = new FormData()
    form.append('file', file, file.name)
    xhr.send(form)
  })
}
