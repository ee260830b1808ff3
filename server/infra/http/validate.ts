import type { H3Event } from 'h3'
import { getQuery, getRouterParams } from 'h3'
import type { z } from 'zod'
import type { ErrorCode } from '../../../shared/contracts/errors'
import { apiError } from './errors'

// h3's getValidatedQuery/getValidatedRouterParams wrap whatever the validator throws in their own
// generic 400, which would lose our error code: these apply a zod schema and answer with `code`.

/** The route parameters parsed by `schema`, or a 400 with `code`. */
export function routerParams<T extends z.ZodType>(event: H3Event, schema: T, code: ErrorCode): z.output<T> {
  const result = schema.safeParse(getRouterParams(event))
  if (!result.success) throw apiError(code)
  return result.data
}

/** The query string parsed by `schema`, or a 400 with `code`. */
export function queryParams<T extends z.ZodType>(event: H3Event, schema: T, code: ErrorCode): z.output<T> {
  const result = schema.safeParse(getQuery(event))
  if (!result.success) throw apiError(code)
  return result.data
}
