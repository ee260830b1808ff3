import { z } from 'zod'

// The zod schemas of the image, trash and album routes' parameters and bodies (kept apart from the
// DTO types so the web app's gallery bundle does not pull zod in).

const MAX_ID = 2_147_483_647

/** A positive 32-bit id as it arrives in a path or query string. */
export const idString = z.string().regex(/^\d{1,10}$/).transform(Number).refine(n => n >= 1 && n <= MAX_ID)

/** `/api/images/:id/…` */
export const imageIdParams = z.object({ id: idString })

/** `?limit=&before=` of every paged list: limit 1–100 (default 50), before = the last id of the previous page. */
export const pageQuery = z.object({
  limit: idString.refine(n => n <= 100).optional().transform(n => n ?? 50),
  before: idString.optional(),
})

/**
 * `GET /api/images?limit=&before=&favorite=true&q=&sort=taken` (SPEC §8): `favorite=true` only
 * favourites, `q` a case-insensitive part of the file name (1–100 characters), `sort=taken` by
 * capture date (falling back to upload time) instead of upload time.
 */
export const imageListQuery = pageQuery.extend({
  favorite: z.enum(['true', 'false']).optional().transform(v => v === undefined ? undefined : v === 'true'),
  q: z.string().trim().min(1).max(100).optional(),
  sort: z.enum(['uploaded', 'taken']).default('uploaded'),
})

/** A numeric id in a JSON body: a positive 32-bit integer. */
export const idNumber = z.number().int().min(1).max(MAX_ID)

/** Every `image_ids` list in the API: 1–500 positive integers (SPEC §8). Duplicates count once. */
export const imageIds = z.array(idNumber).min(1).max(500).transform(ids => [...new Set(ids)])

/** `{image_ids}` bodies (trash restore, album add/remove, zip download). */
export const imageIdsBody = z.object({ image_ids: imageIds }).strict()

/** `POST /api/images/batch` */
export const batchBody = z.object({ action: z.enum(['trash', 'favorite', 'unfavorite']), image_ids: imageIds }).strict()

/** `DELETE /api/trash`: `{image_ids}` or `{all: true}`, nothing else. */
export const trashPurgeBody = z.union([imageIdsBody, z.object({ all: z.literal(true) }).strict()])

/** A file name given by the user (PATCH): 1–255 characters once cleaned (the server cleans it). */
export const filenameInput = z.string().max(1000)

/** `PATCH /api/images/:id`: at least one of the two. */
export const imagePatchBody = z.object({ filename: filenameInput.optional(), favorite: z.boolean().optional() })
  .strict()
  .refine(body => body.filename !== undefined || body.favorite !== undefined, '请提供 filename 或 favorite')

/** `/api/albums/:id…` */
export const albumIdParams = z.object({ id: idString })

const albumTitle = z.string().trim().min(1, '相册标题须为 1–100 个字符').max(100, '相册标题须为 1–100 个字符')
const albumDescription = z.string().trim().max(2000, '相册描述不能超过 2000 个字符')

/** `POST /api/albums` */
export const albumCreateBody = z.object({ title: albumTitle, description: albumDescription.optional() }).strict()

/** `PATCH /api/albums/:id` */
export const albumPatchBody = z.object({ title: albumTitle.optional(), description: albumDescription.optional(), cover_image_id: idNumber.nullable().optional() })
  .strict()
  .refine(body => Object.keys(body).length > 0, '请提供要修改的字段')

/** `GET /api/images/:id/file?variant=` */
export const imageFileQuery = z.object({ variant: z.enum(['original', 'thumb']).default('original') })
