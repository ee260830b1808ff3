import { randomBytes } from 'node:crypto'
import { fetch } from '@nuxt/test-utils/e2e'
import sharp from 'sharp'

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

/** A real encoded image made with sharp. */
export async function makeImage(format: 'png' | 'jpeg' | 'gif' = 'png', width = 64, height = 48, color = '#3a7bd5'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: color } }).toFormat(format).toBuffer()
}

/** Uploads bytes as the multipart `file` field. */
export async function upload(token: string, bytes: Buffer | Uint8Array, filename: string, type = 'application/octet-stream') {
  const form = new FormData()
  form.append('file', new Blob([new Uint8Array(bytes)], { type }), filename)
  return fetch('/api/images/upload', { method: 'POST', headers: bearer(token), body: form })
}
