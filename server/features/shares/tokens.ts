import { createHash, randomBytes } from 'node:crypto'
import { useConfig } from '../../infra/config'

/** A new share token: 32 bytes from the CSPRNG (256 bits), base64url — 43 URL-safe characters. */
export const newShareToken = () => randomBytes(32).toString('base64url')

/** What the database keeps to find a share by its token: SHA-256, hex. */
export const hashShareToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex')

/** The app's own page for a token, absolute (PUBLIC_URL). */
export const shareUrl = (token: string) => `${useConfig().publicOrigin}/s/${token}`

/** The API path of a shared file. No version (the sha256 of the upload stays private): share answers are never cached. */
export const sharedFileUrl = (token: string, imageId: number, variant: 'thumb' | 'preview' | 'original') =>
  `/api/s/${token}/images/${imageId}/file?variant=${variant}`
