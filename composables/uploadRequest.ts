import type { ImageDto } from '#shared/contracts/images'

export interface UploadHooks {
  /** Fraction of the request body sent, 0–1. */
  onProgress: (fraction: number) => void
  /** All bytes are sent; the server is now checking the image and making its thumbnail. */
  onSent: () => void
  signal?: AbortSignal
}

/**
 * POSTs one file as the multipart `file` field. XMLHttpRequest rather than $fetch, because only XHR
 * reports upload progress. Rejects with an ApiFailure (status 0 = no answer, code ABORTED when cancelled).
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
      else reject(apiFailure(xhr.status, xhr.response, xhr.getResponseHeader('retry-after')))
    }
    xhr.onerror = () => reject(apiFailure(0, null))
    xhr.onabort = () => reject(apiFailure(0, { code: 'ABORTED', message: '' }))
    hooks.signal?.addEventListener('abort', () => xhr.abort(), { once: true })
    const form = new FormData()
    form.append('file', file, file.name)
    xhr.send(form)
  })
}
