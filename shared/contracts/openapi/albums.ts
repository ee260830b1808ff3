import { z } from 'zod'
import type { AlbumDeleteResponse, AlbumDto } from '../albums'
import { albumCreateBody, albumIdParams, albumPatchBody, imageIdsBody, pageQuery } from '../imageParams'
import { countResponse, dto, errors, JSON_BODY, json, nextLink, SIGNED_IN, type FeaturePaths } from './common'
import { imageDto } from './images'

// Albums (SPEC §8).

const album = dto<AlbumDto>()(z.object({
  id: z.number().int(),
  title: z.string(),
  description: z.string(),
  image_count: z.number().int().meta({ description: 'Live (not trashed) photos in the album' }),
  cover_thumbnail_url: z.string().nullable(),
  created_at: z.string().meta({ format: 'date-time' }),
  updated_at: z.string().meta({ format: 'date-time' }),
}).meta({ id: 'Album' }))
const deleted = dto<AlbumDeleteResponse>()(z.object({ message: z.string() }))

const byId = { path: albumIdParams }
const OWN_ALBUM = [...SIGNED_IN, 'INVALID_ALBUM_ID', 'ALBUM_NOT_FOUND'] as const

export const paths: FeaturePaths = {
  '/api/albums': {
    get: { tags: ['albums'], summary: 'The caller\'s albums', responses: { 200: json(z.array(album)), ...errors(...SIGNED_IN) } },
    post: {
      tags: ['albums'],
      summary: 'Create an album',
      requestBody: { required: true, content: { 'application/json': { schema: albumCreateBody } } },
      responses: { 201: json(album, 'Created'), ...errors(...SIGNED_IN, ...JSON_BODY) },
    },
  },
  '/api/albums/{id}': {
    get: { tags: ['albums'], summary: 'One album', requestParams: byId, responses: { 200: json(album), ...errors(...OWN_ALBUM) } },
    patch: {
      tags: ['albums'],
      summary: 'Change title, description or cover',
      requestParams: byId,
      requestBody: { required: true, content: { 'application/json': { schema: albumPatchBody } } },
      responses: { 200: json(album), ...errors(...OWN_ALBUM, ...JSON_BODY, 'IMAGE_NOT_FOUND') },
    },
    delete: { tags: ['albums'], summary: 'Delete an album (its photos stay in the gallery)', requestParams: byId, responses: { 200: json(deleted), ...errors(...OWN_ALBUM) } },
  },
  '/api/albums/{id}/images': {
    get: {
      tags: ['albums'],
      summary: 'The album\'s live photos, most recently added first',
      requestParams: { ...byId, query: pageQuery },
      responses: { 200: { ...json(z.array(imageDto)), headers: nextLink }, ...errors(...OWN_ALBUM, 'INVALID_QUERY', 'INVALID_CURSOR') },
    },
    post: {
      tags: ['albums'],
      summary: 'Add photos to the album',
      requestParams: byId,
      requestBody: { required: true, content: { 'application/json': { schema: imageIdsBody } } },
      responses: { 200: json(countResponse), ...errors(...OWN_ALBUM, ...JSON_BODY, 'IMAGE_NOT_FOUND') },
    },
    delete: {
      tags: ['albums'],
      summary: 'Take photos out of the album',
      requestParams: byId,
      requestBody: { required: true, content: { 'application/json': { schema: imageIdsBody } } },
      responses: { 200: json(countResponse), ...errors(...OWN_ALBUM, ...JSON_BODY) },
    },
  },
}
