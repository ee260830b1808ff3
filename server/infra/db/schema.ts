import { sql } from 'drizzle-orm'
import { type AnyMySqlColumn, boolean, char, customType, datetime, index, int, mysqlTable, primaryKey, text, tinyint, varchar } from 'drizzle-orm/mysql-core'

/**
 * Case-folded username used for uniqueness. A binary collation keeps "café" and "cafe"
 * distinct on MySQL 8 (whose default collation is accent-insensitive) and on MariaDB alike.
 */
const binaryVarchar = customType<{ data: string, config: { length: number } }>({
  dataType: config => `varchar(${config?.length ?? 50}) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
})

/**
 * A descending index key part. drizzle's MySQL index builder has no `.desc()` (PostgreSQL's has):
 * drizzle-kit writes an SQL key part into the migration as it is, so this becomes `\`col\` desc`.
 */
const descending = (column: AnyMySqlColumn) => sql`${column} desc`

const createdAt = () => datetime('created_at', { mode: 'date', fsp: 3 }).notNull().default(sql`CURRENT_TIMESTAMP(3)`)

export const users = mysqlTable('users', {
  id: int('id').autoincrement().primaryKey(),
  username: varchar('username', { length: 50 }).notNull(),
  // Lower-casing can lengthen a name ("İ" becomes two code points): room for twice the 50 characters.
  usernameKey: binaryVarchar('username_key', { length: 100 }).notNull().unique('users_username_key_unique'),
  password: varchar('password', { length: 255 }).notNull(),
  createdAt: createdAt(),
})

export const sessions = mysqlTable('sessions', {
  id: char('id', { length: 22 }).primaryKey(),
  userId: int('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  // The jti of the one token that is currently valid for this session; refresh replaces it.
  jti: char('jti', { length: 22 }).notNull(),
  createdAt: createdAt(),
  expiresAt: datetime('expires_at', { mode: 'date', fsp: 3 }).notNull(),
}, table => [index('sessions_user_id_idx').on(table.userId)])

/** The two list-order indexes by `sort`, named where the name-filtered lists force them (images/queries.ts). */
export const imageIndexes = {
  uploaded: 'images_user_live_created_idx',
  taken: 'images_user_live_sort_idx',
} as const

export const images = mysqlTable('images', {
  id: int('id').autoincrement().primaryKey(),
  userId: int('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  filename: varchar('filename', { length: 255 }).notNull(),
  filepath: varchar('filepath', { length: 255 }).notNull(),
  thumbpath: varchar('thumbpath', { length: 255 }).notNull(),
  contentType: varchar('content_type', { length: 50 }).notNull(),
  size: int('size').notNull(),
  width: int('width').notNull(),
  height: int('height').notNull(),
  // SHA-256 of the bytes as uploaded (before GPS removal): what makes a second upload a duplicate.
  sha256: char('sha256', { length: 64 }).notNull(),
  createdAt: createdAt(),
  // EXIF DateTimeOriginal as the camera wrote it (wall clock), and its offset when the file has one.
  takenAt: datetime('taken_at', { mode: 'string' }),
  takenOffset: varchar('taken_offset', { length: 6 }),
  // The `sort=taken` key: taken_at (in the server's wall-clock time when it has an offset), else
  // created_at in the server's wall-clock time. Computed when the row is written.
  sortAt: datetime('sort_at', { mode: 'date', fsp: 3 }).notNull(),
  favorite: boolean('favorite').notNull().default(false),
  // Set while the photo is in the trash (SPEC §8).
  deletedAt: datetime('deleted_at', { mode: 'date', fsp: 3 }),
  // Camera facts as JSON (make, model, lens, focal_length, aperture, exposure_time, iso), or null.
  camera: text('camera'),
  // 0: uploaded before capture dates existed (the backfill job reads its file), 1: EXIF read.
  metaVersion: tinyint('meta_version').notNull().default(0),
}, table => [
  // The list orders (docs/PERFORMANCE.md "Organize"). Descending, because MariaDB tests a condition
  // inside the index (index condition pushdown) only on a forward scan: the name filter (`q`, the
  // trailing filename) and the keyset cursor then skip rows without fetching them. deleted_at is
  // descending too in the upload order so the trash (deleted_at DESC, created_at DESC, id DESC) is
  // still this index read forwards, with no sort.
  index(imageIndexes.uploaded).on(table.userId, descending(table.deletedAt), descending(table.createdAt), descending(table.id), table.filename),
  index(imageIndexes.taken).on(table.userId, table.deletedAt, descending(table.sortAt), descending(table.id), table.filename),
  // favorite=true in upload order (the API's default order) and by capture date (the web app's
  // favourites view, whose timeline defaults to sort=taken).
  index('images_user_live_favorite_idx').on(table.userId, table.deletedAt, table.favorite, table.createdAt, table.id),
  index('images_user_live_favorite_sort_idx').on(table.userId, table.deletedAt, table.favorite, descending(table.sortAt), descending(table.id)),
  index('images_user_sha_idx').on(table.userId, table.sha256),
  // The hourly trash auto-empty looks for old deleted_at across all users.
  index('images_deleted_idx').on(table.deletedAt),
])

export const albums = mysqlTable('albums', {
  id: int('id').autoincrement().primaryKey(),
  userId: int('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  title: varchar('title', { length: 100 }).notNull(),
  description: varchar('description', { length: 2000 }).notNull().default(''),
  coverImageId: int('cover_image_id').references(() => images.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
  updatedAt: datetime('updated_at', { mode: 'date', fsp: 3 }).notNull().default(sql`CURRENT_TIMESTAMP(3)`),
}, table => [index('albums_user_updated_idx').on(table.userId, table.updatedAt, table.id)])

export const albumImages = mysqlTable('album_images', {
  albumId: int('album_id').notNull().references(() => albums.id, { onDelete: 'cascade' }),
  imageId: int('image_id').notNull().references(() => images.id, { onDelete: 'cascade' }),
  addedAt: datetime('added_at', { mode: 'date', fsp: 3 }).notNull().default(sql`CURRENT_TIMESTAMP(3)`),
}, table => [
  primaryKey({ columns: [table.albumId, table.imageId] }),
  index('album_images_album_added_idx').on(table.albumId, table.addedAt, table.imageId),
  index('album_images_image_idx').on(table.imageId),
])

export type ImageRow = typeof images.$inferSelect
export type AlbumRow = typeof albums.$inferSelect
