import { z } from 'zod'

// The zod schemas of the image routes' path and query parameters (server side; kept apart from the
// DTO types so the web app's gallery bundle does not pull zod in).

const MAX_ID = 2_147_483_647

/** A positive 32-bit id as it arrives in a path or query string. */
export const idString = z.string().regex(/^\d{1,10}$/).transform(Number).refine(n => n >= 1 && n <= MAX_ID)

/** `/api/images/:id/…` */
export const imageIdParams = z.object({ id: idString })

/** `GET /api/images?limit=&before=`: limit 1–100 (default 50), before = an image id of the caller's. */
export const imageListQuery = z.object({
  limit: idString.refine(n => n <= 100).optional().transform(n => n ?? 50),
  before: idString.optional(),
})

/** `GET /api/images/:id/file?variant=` */
export const imageFileQuery = z.object({ variant: z.enum(['original', 'thumb']).default('original') })
