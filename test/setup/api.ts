import { randomBytes } from 'node:crypto'
import { fetch } from '@nuxt/test-utils/e2e'
import sharp from 'sharp'
import { pngChunk } from '../support/images'

/** A username no other test uses. */
export const uniqueName = (prefix = 'u') => `${prefix}_${randomBytes(5).toString('hex')}`

export const PASSWORD = 'correct horse battery'

export async function postJson(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** Registers and signs in a fresh user; returns the token. */
export async function signUp(username = uniqueName(), password = PASSWORD): Promise<{ username: string, token: string }> {
  const reg = await postJson('/api/register', { username, password })
  if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${await reg.text()}`)
  const login = await postJson('/api/login', { username, password })
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`)
  const { token } = await login.json() as { token: string }
  return { username, token }
}

/**
 * A real encoded image made with sharp. Each call's bytes are unique (a random comment the decoders
 * ignore): a user's second upload of the same bytes is a 409 duplicate (SPEC §8), and tests upload
 * "another image" with this many times.
 */
export async function makeImage(format: 'png' | 'jpeg' | 'gif' = 'png', width = 64, height = 48, color = '#3a7bd5'): Promise<Buffer> {
  const encoded = await sharp({ create: { width, height, channels: 3, background: color } }).toFormat(format).toBuffer()
  return withComment(encoded, format, randomBytes(8).toString('hex'))
}

/** Adds a comment in each format's own way: a PNG tEXt chunk before IEND, a JPEG COM segment after SOI, a GIF comment before the trailer. */
function withComment(image: Buffer, format: 'png' | 'jpeg' | 'gif', comment: string): Buffer {
  const data = Buffer.from(comment, 'latin1')
  if (format === 'png') {
    return Buffer.concat([image.subarray(0, -12), pngChunk('tEXt', Buffer.concat([Buffer.from('Comment\0', 'latin1'), data])), image.subarray(-12)])
  }
  if (format === 'jpeg') {
    const length = Buffer.alloc(2)
    length.writeUInt16BE(data.length + 2)
    return Buffer.concat([image.subarray(0, 2), Buffer.from([0xFF, 0xFE]), length, data, image.subarray(2)])
  }
  return Buffer.concat([image.subarray(0, -1), Buffer.from([0x21, 0xFE, data.length]), data, Buffer.from([0x00]), image.subarray(-1)])
}

/** Uploads bytes as the multipart `file` field. */
export async function upload(token: string, bytes: Buffer | Uint8Array, filename: string, type = 'application/octet-stream') {
  const form = new FormData()
  form.append('file', new Blob([new Uint8Array(bytes)], { type }), filename)
  return fetch('/api/images/upload', { method: 'POST', headers: bearer(token), body: form })
}
