import type { H3Event } from 'h3'
import { getQuery, getRouterParam } from 'h3'
import { z } from 'zod'
import { apiError } from './errors'

const MAX_ID = 2_147_483_647

const idString = z.string().regex(/^\d{1,10}$/).transform(Number).refine(n => n >= 1 && n <= MAX_ID)

/** The `:id` route parameter as a positive 32-bit integer, or a 400. */
export function imageIdParam(event: H3Event): number {
  const result = idString.safeParse(getRouterParam(event, 'id'))
  if (!result.success) throw apiError(400, 'INVALID_ID', '图片ID无效')
  return result.data
}

const listQuerySchema = z.object({
  limit: idString.refine(n => n <= 100).optional().transform(n => n ?? 50),
  before: idString.optional(),
})

/** `?limit=` (1–100, default 50) and `?before=<id>` of the image list. */
export function imageListQuery(event: H3Event): { limit: number, before?: number } {
  const result = listQuerySchema.safeParse(getQuery(event))
  if (!result.success) throw apiError(400, 'INVALID_QUERY', 'limit 须为 1–100 的整数，before 须为图片ID')
  return result.data
}

const variantSchema = z.object({ variant: z.enum(['original', 'thumb']).default('original') })

/** `?variant=thumb` for the thumbnail, the original otherwise. */
export function imageVariantQuery(event: H3Event): 'original' | 'thumb' {
  const result = variantSchema.safeParse({ variant: getQuery(event).variant })
  if (!result.success) throw apiError(400, 'INVALID_VARIANT', 'variant 只能是 original 或 thumb')
  return result.data.variant
}
