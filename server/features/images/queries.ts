import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, or, sql, type SQL } from 'drizzle-orm'
import type { ImageDto, ImageSort, TrashItemDto } from '../../../shared/contracts/images'
import { tables, useDb } from '../../infra/db'
import { imageIndexes, type ImageRow } from '../../infra/db/schema'
import { apiError, imageNotFound } from '../../infra/http/errors'
import { imageDtoColumns, type ImageDtoRow, toImageDto } from './dto'

const { images } = tables
const ph = sql.placeholder

/** What `GET /api/images` narrows and orders by (SPEC §8). */
export interface ImageListFilter {
  /** true: favourites only, false: all but favourites, undefined: both. */
  favorite?: boolean
  /** A part of the file name, case-insensitive, matched literally. */
  q?: string
  sort: ImageSort
}

/** A page of DTOs, and the id to pass as `before` for the next one when more exist. */
export interface Page<T> { items: T[], next?: number }

/**
 * The `Link: <…>; rel="next"` value for a page that has more after it: `path` with `limit`, `before`
 * and the other given query parameters (undefined ones left out), so the next request reads the
 * cursor under the same filters and order. Undefined when this was the last page.
 */
export function nextPageLink(path: string, page: Page<unknown>, params: { limit: number } & Record<string, string | number | boolean | undefined>): string | undefined {
  if (page.next === undefined) return undefined
  const { limit, ...filters } = params
  const query = Object.entries({ limit, before: page.next, ...filters })
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${encodeURIComponent(String(value))}`)
  return `<${path}?${query.join('&')}>; rel="next"`
}

/**
 * `q` as a LIKE pattern that matches it literally anywhere in the name: `%`, `_` and the escape
 * character itself are escaped (with `!`, not the backslash, whose meaning in string literals depends
 * on the server's NO_BACKSLASH_ESCAPES mode). Case-insensitive through the column's `_ci` collation.
 */
export const containsPattern = (q: string) => `%${q.replace(/[!%_]/g, c => `!${c}`)}%`

/**
 * The list queries, each variant (order × favourite filter × name filter × first or later page)
 * prepared once on first use: the list is the gallery's hot path, and drizzle otherwise rebuilds the
 * SQL text and its column mapping on every call. Every variant scopes by user and `deleted_at IS
 * NULL` first, so it walks one of the `images_user_live_*` indexes in order and stops at the limit.
 */
function prepareListQuery(sort: ImageSort, favorite: boolean | undefined, byName: boolean, paged: boolean) {
  const key = sort === 'taken' ? images.sortAt : images.createdAt
  const where: SQL[] = [eq(images.userId, ph('userId')), isNull(images.deletedAt)]
  if (favorite !== undefined) where.push(eq(images.favorite, favorite))
  if (byName) where.push(sql`${images.filename} LIKE ${ph('pattern')} ESCAPE '!'`)
  // Keyset paging after the cursor image, in the same order: (key, id) below the cursor's. (`or` of
  // defined conditions is defined.)
  if (paged) where.push(or(lt(key, ph('key')), and(eq(key, ph('key')), lt(images.id, ph('id'))))!)
  // A name filter matches no index prefix, so the optimizer prices the order index as a `range` scan
  // that fetches every row to test its name; forced, it reads the index forwards as `ref` and tests
  // the name (the index's last column) inside it, fetching only the rows that match (PERFORMANCE.md
  // "Organize": 51 row fetches instead of ~900 for a word in 5 % of the names).
  // With a favourite filter too, the favourite indexes would fetch every favourite to test its name.
  const hint = byName ? { forceIndex: imageIndexes[sort] } : undefined
  return useDb().select(imageDtoColumns).from(images, hint).where(and(...where)).orderBy(desc(key), desc(images.id)).limit(ph('limit')).prepare()
}
type ListQuery = ReturnType<typeof prepareListQuery>
const listQueries = new Map<string, ListQuery>()

function listQuery(sort: ImageSort, favorite: boolean | undefined, byName: boolean, paged: boolean): ListQuery {
  const name = `${sort}:${favorite}:${byName}:${paged}`
  let query = listQueries.get(name)
  if (!query) listQueries.set(name, query = prepareListQuery(sort, favorite, byName, paged))
  return query
}

/**
 * The trash, most recently deleted first; photos trashed together (a batch) newest upload first.
 * That order is exactly `images_user_live_created_idx` (user_id, deleted_at DESC, created_at DESC,
 * id DESC, filename) read forwards over the non-null deleted_at range, so no sort is needed.
 */
function prepareTrashQuery(paged: boolean) {
  const where: SQL[] = [eq(images.userId, ph('userId')), isNotNull(images.deletedAt)]
  // Keyset paging below the cursor's (deleted_at, created_at, id); `or` of defined conditions is defined.
  if (paged) {
    where.push(or(
      lt(images.deletedAt, ph('deletedAt')),
      and(eq(images.deletedAt, ph('deletedAt')), or(
        lt(images.createdAt, ph('createdAt')),
        and(eq(images.createdAt, ph('createdAt')), lt(images.id, ph('id'))),
      )),
    )!)
  }
  return useDb().select({ ...imageDtoColumns, deletedAt: images.deletedAt }).from(images).where(and(...where))
    .orderBy(desc(images.deletedAt), desc(images.createdAt), desc(images.id)).limit(ph('limit')).prepare()
}

function prepareLookups() {
  const byIdAndUser = and(eq(images.id, ph('id')), eq(images.userId, ph('userId')))
  const db = useDb()
  return {
    /** Live or trashed: the owner's file URLs serve both (the trash page shows thumbnails). */
    any: db.select().from(images).where(byIdAndUser).limit(1).prepare(),
    live: db.select().from(images).where(and(byIdAndUser, isNull(images.deletedAt))).limit(1).prepare(),
    trashed: db.select().from(images).where(and(byIdAndUser, isNotNull(images.deletedAt))).limit(1).prepare(),
    trashFirst: prepareTrashQuery(false),
    trashNext: prepareTrashQuery(true),
  }
}
let lookups: ReturnType<typeof prepareLookups> | undefined
const queries = () => (lookups ??= prepareLookups())

/** Which of a user's images a lookup accepts: `live` (not in the trash), `trashed`, or `any`. */
export type ImageState = 'live' | 'trashed' | 'any'

async function lookup(userId: number, id: number, state: ImageState): Promise<ImageRow | undefined> {
  const [row] = await queries()[state].execute({ id, userId })
  return row
}

/** A trashed image as the trash lists it: the image DTO plus when it was deleted. */
function toTrashItemDto(row: ImageDtoRow & Pick<ImageRow, 'deletedAt'>): TrashItemDto {
  // The trash query selects only rows with deleted_at set.
  return { ...toImageDto(row), deleted_at: (row.deletedAt ?? new Date(0)).toISOString() }
}

/** Cuts the extra row a query fetched to learn whether another page exists. */
export function toPage<R extends { id: number }, T>(rows: R[], limit: number, toDto: (row: R) => T): Page<T> {
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  return { items: page.map(toDto), next: rows.length > limit && last ? last.id : undefined }
}

/**
 * A page of the user's live images, newest upload first (or by capture date with `sort: 'taken'`),
 * optionally only favourites and only names containing `q`. `before` is the last id of the previous
 * page: any live image of the user's (it keeps its place in the order even when it no longer matches
 * the filter), else 400 INVALID_CURSOR.
 */
export async function listImages(userId: number, limit: number, before: number | undefined, filter: ImageListFilter): Promise<Page<ImageDto>> {
  const { sort, favorite, q } = filter
  const params: Record<string, unknown> = { userId, limit: limit + 1 }
  if (q !== undefined) params.pattern = containsPattern(q)
  if (before !== undefined) {
    const cursor = await lookup(userId, before, 'live')
    if (!cursor) throw apiError('INVALID_CURSOR')
    Object.assign(params, { key: sort === 'taken' ? cursor.sortAt : cursor.createdAt, id: cursor.id })
  }
  const rows = await listQuery(sort, favorite, q !== undefined, before !== undefined).execute(params)
  return toPage(rows, limit, toImageDto)
}

/** A page of the user's trash (see prepareTrashQuery); `before` must be one of the user's trashed images. */
export async function listTrash(userId: number, limit: number, before?: number): Promise<Page<TrashItemDto>> {
  let rows: Array<ImageDtoRow & Pick<ImageRow, 'deletedAt'>>
  if (before === undefined) {
    rows = await queries().trashFirst.execute({ userId, limit: limit + 1 })
  }
  else {
    const cursor = await lookup(userId, before, 'trashed')
    if (!cursor) throw apiError('INVALID_CURSOR')
    rows = await queries().trashNext.execute({ userId, deletedAt: cursor.deletedAt, createdAt: cursor.createdAt, id: cursor.id, limit: limit + 1 })
  }
  return toPage(rows, limit, toTrashItemDto)
}

/**
 * One of the user's images in the given state, or a 404 (also when it is someone else's: no
 * existence oracle).
 */
export async function findImage(userId: number, id: number, state: ImageState = 'any'): Promise<ImageRow> {
  const row = await lookup(userId, id, state)
  if (!row) throw imageNotFound()
  return row
}

/** The database or an open transaction on it. */
export type DbExecutor = ReturnType<typeof useDb> | Parameters<Parameters<ReturnType<typeof useDb>['transaction']>[0]>[0]

const stateCondition = (state: ImageState) =>
  state === 'live' ? isNull(images.deletedAt) : state === 'trashed' ? isNotNull(images.deletedAt) : undefined

/**
 * Those of `ids` that are the user's images in the given state, by ascending id. With `forUpdate`
 * (inside a transaction) the rows stay locked until it ends, always taken in id order, so that
 * transactions naming overlapping ids queue up instead of deadlocking.
 */
export function selectImages(executor: DbExecutor, userId: number, ids: number[], state: ImageState, { forUpdate = false } = {}): Promise<ImageRow[]> {
  const query = executor.select().from(images)
    .where(and(eq(images.userId, userId), inArray(images.id, ids), stateCondition(state)))
    .orderBy(asc(images.id))
  return forUpdate ? query.for('update') : query
}
