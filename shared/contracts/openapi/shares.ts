import { z } from 'zod'
import { pageQuery } from '../imageParams'
import { shareCreateBody, shareFileParams, shareFileQuery, shareIdParams, shareTokenParams, shareUnlockBody, type ShareCreatedDto, type ShareDto, type SharedImageDto, type SharedViewDto } from '../shares'
import { dto, errors, JSON_BODY, json, messageResponse, nextLink, PUBLIC, SIGNED_IN, type FeaturePaths } from './common'

// Share links (SPEC §9): the owner's routes, and the public ones under /api/s/{token}.

const target = z.object({ kind: z.enum(['album', 'image']), id: z.number().int() })
const createdFields = {
  id: z.number().int(),
  url: z.string().meta({ description: 'The app\'s own /s/<token> page, absolute' }),
  token: z.string(),
  expires_at: z.string().meta({ format: 'date-time' }),
  allow_download: z.boolean(),
  has_password: z.boolean(),
  target,
}
const created = dto<ShareCreatedDto>()(z.object(createdFields).meta({ id: 'ShareCreated' }))
const share = dto<ShareDto>()(z.object({
  ...createdFields,
  title: z.string().nullable(),
  thumbnail_url: z.string().nullable(),
  created_at: z.string().meta({ format: 'date-time' }),
  view_count: z.number().int(),
  last_viewed_at: z.string().nullable(),
  status: z.enum(['active', 'expired', 'ended']),
}).meta({ id: 'Share' }))
const sharedImage = dto<SharedImageDto>()(z.object({
  id: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
  taken_at: z.string().nullable(),
  thumbnail_url: z.string(),
  preview_url: z.string(),
  original_url: z.string().optional().meta({ description: 'Only when the share allows downloads' }),
}).meta({ id: 'SharedImage' }))
const sharedView = dto<SharedViewDto>()(z.object({
  kind: z.enum(['album', 'image']),
  title: z.string(),
  expires_at: z.string().meta({ format: 'date-time' }),
  allow_download: z.boolean(),
  images: z.array(sharedImage),
}).meta({ id: 'SharedView' }))

const OPEN_SHARE = ['SHARE_NOT_FOUND', 'SHARE_EXPIRED', 'SHARE_PASSWORD_REQUIRED', 'SERVICE_UNAVAILABLE'] as const

export const paths: FeaturePaths = {
  '/api/shares': {
    get: { tags: ['shares'], summary: 'The caller\'s share links', responses: { 200: json(z.array(share)), ...errors(...SIGNED_IN) } },
    post: {
      tags: ['shares'],
      summary: 'Share a photo or an album by link (optional password, expiry, downloads)',
      requestBody: { required: true, content: { 'application/json': { schema: shareCreateBody } } },
      responses: { 201: json(created, 'Created'), ...errors(...SIGNED_IN, ...JSON_BODY, 'IMAGE_NOT_FOUND', 'ALBUM_NOT_FOUND') },
    },
  },
  '/api/shares/{id}': {
    delete: {
      tags: ['shares'],
      summary: 'Revoke a share link',
      requestParams: { path: shareIdParams },
      responses: { 200: json(messageResponse), ...errors(...SIGNED_IN, 'INVALID_SHARE_ID', 'SHARE_NOT_FOUND') },
    },
  },
  '/api/s/{token}': {
    get: {
      ...PUBLIC,
      tags: ['shares'],
      summary: 'What a share shows (no account needed; a password-protected one needs its unlock cookie)',
      requestParams: { path: shareTokenParams, query: pageQuery },
      responses: { 200: { ...json(sharedView), headers: nextLink }, ...errors(...OPEN_SHARE, 'INVALID_QUERY', 'INVALID_CURSOR') },
    },
  },
  '/api/s/{token}/unlock': {
    post: {
      ...PUBLIC,
      tags: ['shares'],
      summary: 'Unlock a password-protected share (sets its cookie)',
      requestParams: { path: shareTokenParams },
      requestBody: { required: true, content: { 'application/json': { schema: shareUnlockBody } } },
      responses: { 200: { ...json(z.object({ expires_at: z.string().meta({ format: 'date-time' }) })), headers: { 'Set-Cookie': { description: 'The share\'s unlock cookie', schema: { type: 'string' } } } }, ...errors(...JSON_BODY, 'SHARE_NOT_FOUND', 'SHARE_EXPIRED', 'SHARE_PASSWORD_WRONG', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE') },
    },
  },
  '/api/s/{token}/images/{id}/file': {
    get: {
      ...PUBLIC,
      tags: ['shares'],
      summary: 'A shared photo\'s bytes: thumbnail, preview, or the original when downloads are allowed',
      requestParams: { path: shareFileParams, query: shareFileQuery },
      responses: {
        200: { description: 'The bytes', content: { 'image/*': { schema: { type: 'string', format: 'binary' } } } },
        ...errors(...OPEN_SHARE, 'VALIDATION_ERROR', 'DOWNLOAD_NOT_ALLOWED', 'IMAGE_NOT_FOUND', 'STORAGE_ERROR'),
      },
    },
  },
}
