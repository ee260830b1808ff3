import { fetch } from '@nuxt/test-utils/e2e'
import { bearer } from '../setup/api'

// Multipart bodies built by hand (FormData would escape or normalise exactly what these tests send).

export interface Part {
  name: string
  /** `filename="…"` as given (no escaping). */
  filename?: string
  /** `filename*=UTF-8''…` percent-encoded from this value. */
  filenameStar?: string
  type?: string
  data: Buffer | string
}

/** RFC 8187 ext-value encoding: everything but attr-chars percent-encoded. */
const rfc8187 = (value: string) => encodeURIComponent(value).replace(/['()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase())

export const BOUNDARY = '----gallery-security-7MA4YWxkTrZu0gW'

/** The bytes of a multipart/form-data body and its content type. */
export function multipart(parts: Part[], boundary = BOUNDARY, close = true): { body: Buffer, contentType: string } {
  const chunks: Buffer[] = []
  for (const part of parts) {
    let disposition = `form-data; name="${part.name}"`
    if (part.filename !== undefined) disposition += `; filename="${part.filename}"`
    if (part.filenameStar !== undefined) disposition += `; filename*=UTF-8''${rfc8187(part.filenameStar)}`
    let head = `--${boundary}\r\nContent-Disposition: ${disposition}\r\n`
    if (part.type) head += `Content-Type: ${part.type}\r\n`
    chunks.push(Buffer.from(head + '\r\n', 'utf8'), Buffer.from(part.data), Buffer.from('\r\n'))
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` }
}

/** The prologue of a one-file multipart body (everything before the file's bytes). */
export const filePrologue = (filename = 'big.png', boundary = BOUNDARY) =>
  Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: image/png\r\n\r\n`)
export const fileEpilogue = (boundary = BOUNDARY) => Buffer.from(`\r\n--${boundary}--\r\n`)

/** POSTs raw bytes to the upload route. */
export function postUpload(token: string, body: Buffer | string, contentType: string, headers: Record<string, string> = {}) {
  return fetch('/api/images/upload', { method: 'POST', headers: { ...bearer(token), 'content-type': contentType, ...headers }, body: typeof body === 'string' ? body : new Uint8Array(body) })
}

export function uploadParts(token: string, parts: Part[]) {
  const { body, contentType } = multipart(parts)
  return postUpload(token, body, contentType)
}
