import { z } from 'zod'
import { batchBody, imageFileQuery, imageIdParams, imageIdsBody, imageListQuery, imagePatchBody, pageQuery, trashPurgeBody } from '../imageParams'
import type { CameraDto, DuplicateImageBody, ImageDto, TrashItemDto, UploadResponse } from '../images'
import { countResponse, dto, errors, JSON_BODY, json, messageResponse, nextLink, SIGNED_IN, type FeaturePaths } from './common'

// Images, the trash (SPEC §4, §6, §8).

const camera = dto<CameraDto>()(z.object({
  make: z.string().nullable(),
  model: z.string().nullable(),
  lens: z.string().nullable(),
  focal_length: z.number().nullable().meta({ description: 'millimetres' }),
  aperture: z.number().nullable().meta({ description: 'f-number' }),
  exposure_time: z.number().nullable().meta({ description: 'seconds' }),
  iso: z.number().nullable(),
}).meta({ id: 'Camera' }))

const imageFields = {
  id: z.number().int(),
  filename: z.string(),
  filepath: z.string().meta({ description: 'URL path of the original (never a disk path)' }),
  created_at: z.string().meta({ format: 'date-time' }),
  url: z.string(),
  thumbnail_url: z.string(),
  content_type: z.string(),
  size: z.number().int().meta({ description: 'bytes' }),
  width: z.number().int(),
  height: z.number().int(),
  taken_at: z.string().nullable().meta({ description: 'EXIF capture time, ISO 8601 (with its offset when the file has one)' }),
  favorite: z.boolean(),
  camera: camera.nullable(),
}
export const imageDto = dto<ImageDto>()(z.object(imageFields).meta({ id: 'Image' }))
const trashItem = dto<TrashItemDto>()(z.object({ ...imageFields, deleted_at: z.string().meta({ format: 'date-time' }) }).meta({ id: 'TrashItem' }))
const uploadResponse = dto<UploadResponse>()(z.object({ message: z.string(), image: imageDto }).meta({ id: 'UploadResponse' }))
const duplicate = dto<DuplicateImageBody>()(z.object({ message: z.string(), code: z.literal('DUPLICATE_IMAGE'), image_id: z.number().int(), in_trash: z.boolean() }).meta({ id: 'DuplicateImage' }))

const uploadForm = z.object({ file: z.string().meta({ format: 'binary', description: 'One PNG, JPEG or GIF (checked by its bytes), at most MAX_CONTENT_LENGTH' }) })

const imageBytes = (description: string) => ({
  description,
  headers: { 'Accept-Ranges': { schema: { type: 'string' as const } }, 'ETag': { schema: { type: 'string' as const } }, 'Last-Modified': { schema: { type: 'string' as const } } },
  content: { 'image/*': { schema: { type: 'string' as const, format: 'binary' } } },
})

const fileOperation = (method: string) => ({
  tags: ['images'],
  summary: `${method} an image's bytes (original or thumbnail); Range, ETag and If-None-Match honoured`,
  requestParams: { path: imageIdParams, query: imageFileQuery },
  responses: {
    200: imageBytes('The bytes'),
    206: imageBytes('The requested range'),
    304: { description: 'Not modified (If-None-Match)' },
    ...errors(...SIGNED_IN, 'INVALID_ID', 'INVALID_VARIANT', 'IMAGE_NOT_FOUND', 'RANGE_NOT_SATISFIABLE', 'STORAGE_ERROR'),
  },
})

export const paths: FeaturePaths = {
  '/api/images': {
    get: {
      tags: ['images'],
      summary: 'The caller\'s live images, newest first (or by capture date), paged by `before`',
      requestParams: { query: imageListQuery },
      responses: { 200: { ...json(z.array(imageDto)), headers: nextLink }, ...errors(...SIGNED_IN, 'INVALID_QUERY', 'INVALID_CURSOR') },
    },
  },
  '/api/images/upload': {
    post: {
      tags: ['images'],
      summary: 'Upload one image (multipart/form-data, field `file`)',
      requestBody: { required: true, content: { 'multipart/form-data': { schema: uploadForm } } },
      responses: {
        201: json(uploadResponse, 'Stored: the original is kept; its thumbnail is made in the background, or at once when `thumbnail_url` is asked for first'),
        409: json(duplicate, '`DUPLICATE_IMAGE`: the same bytes are already one of the caller\'s images (maybe in the trash)'),
        ...errors(...SIGNED_IN, 'NO_FILE', 'EMPTY_FILE', 'INVALID_IMAGE', 'IMAGE_TOO_LARGE', 'TOO_MANY_FILES', 'BAD_MULTIPART', 'UPLOAD_ABORTED', 'UPLOAD_TIMEOUT', 'FILE_TOO_LARGE', 'QUOTA_EXCEEDED', 'UNSUPPORTED_TYPE', 'UNSUPPORTED_MEDIA_TYPE', 'STORAGE_ERROR', 'INSUFFICIENT_STORAGE'),
      },
    },
  },
  '/api/images/{id}': {
    get: {
      tags: ['images'],
      summary: 'One live image of the caller',
      requestParams: { path: imageIdParams },
      responses: { 200: json(imageDto), ...errors(...SIGNED_IN, 'INVALID_ID', 'IMAGE_NOT_FOUND') },
    },
    patch: {
      tags: ['images'],
      summary: 'Rename an image or mark it a favourite',
      requestParams: { path: imageIdParams },
      requestBody: { required: true, content: { 'application/json': { schema: imagePatchBody } } },
      responses: { 200: json(imageDto), ...errors(...SIGNED_IN, ...JSON_BODY, 'INVALID_ID', 'INVALID_FILENAME', 'IMAGE_NOT_FOUND') },
    },
  },
  '/api/images/{id}/file': { get: fileOperation('GET'), head: fileOperation('HEAD') },
  '/api/images/delete/{id}': {
    delete: {
      tags: ['images'],
      summary: 'Move an image to the trash',
      requestParams: { path: imageIdParams },
      responses: { 200: json(messageResponse), ...errors(...SIGNED_IN, 'INVALID_ID', 'IMAGE_NOT_FOUND') },
    },
  },
  '/api/images/batch': {
    post: {
      tags: ['images'],
      summary: 'Trash, favourite or unfavourite up to 500 images at once (all or nothing)',
      requestBody: { required: true, content: { 'application/json': { schema: batchBody } } },
      responses: { 200: json(countResponse), ...errors(...SIGNED_IN, ...JSON_BODY, 'IMAGE_NOT_FOUND') },
    },
  },
  '/api/images/download': {
    post: {
      tags: ['images'],
      summary: 'A zip of the originals, in the order asked for',
      requestBody: { required: true, content: { 'application/json': { schema: imageIdsBody } } },
      responses: {
        200: { description: 'The zip, streamed', content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } } },
        ...errors(...SIGNED_IN, ...JSON_BODY, 'IMAGE_NOT_FOUND', 'STORAGE_ERROR'),
      },
    },
  },
  '/api/trash': {
    get: {
      tags: ['trash'],
      summary: 'The caller\'s trash, most recently deleted first',
      requestParams: { query: pageQuery },
      responses: { 200: { ...json(z.array(trashItem)), headers: nextLink }, ...errors(...SIGNED_IN, 'INVALID_QUERY', 'INVALID_CURSOR') },
    },
    delete: {
      tags: ['trash'],
      summary: 'Delete for good: `{image_ids}` from the trash, or `{all: true}`',
      requestBody: { required: true, content: { 'application/json': { schema: trashPurgeBody } } },
      responses: { 200: json(countResponse), ...errors(...SIGNED_IN, ...JSON_BODY, 'IMAGE_NOT_FOUND', 'STORAGE_ERROR') },
    },
  },
  '/api/trash/restore': {
    post: {
      tags: ['trash'],
      summary: 'Bring images back from the trash',
      requestBody: { required: true, content: { 'application/json': { schema: imageIdsBody } } },
      responses: { 200: json(countResponse), ...errors(...SIGNED_IN, ...JSON_BODY, 'IMAGE_NOT_FOUND', 'QUOTA_EXCEEDED') },
    },
  },
}
