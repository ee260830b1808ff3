import { sql } from 'drizzle-orm'
import { type AnyMySqlColumn, bigint, boolean, char, customType, datetime, index, int, mysqlTable, primaryKey, text, tinyint, uniqueIndex, varchar } from 'drizzle-orm/mysql-core'

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
  // SPEC §10: 'admin' | 'user'. The first account ever registered is admin.
  role: varchar('role', { length: 10 }).notNull().default('user'),
  // Set while the account is disabled: its sessions are gone and sign-in answers 403 ACCOUNT_DISABLED.
  disabledAt: datetime('disabled_at', { mode: 'date', fsp: 3 }),
  // The user's own quota; null = the settings' default (whose null = unlimited).
  quotaBytes: bigint('quota_bytes', { mode: 'number' }),
  // Optional email (SPEC §10, only offered with SMTP_URL) and when it was verified.
  email: varchar('email', { length: 254 }),
  emailVerifiedAt: datetime('email_verified_at', { mode: 'date', fsp: 3 }),
  // TOTP two-factor: the secret encrypted with a key derived from SECRET_KEY (set by setup, active
  // once totp_enabled_at is set), and the last accepted 30 s time step (a code is never accepted twice).
  totpSecret: varchar('totp_secret', { length: 255 }),
  totpEnabledAt: datetime('totp_enabled_at', { mode: 'date', fsp: 3 }),
  totpLastStep: bigint('totp_last_step', { mode: 'number' }),
}, table => [index('users_email_idx').on(table.email)])

export const sessions = mysqlTable('sessions', {
  id: char('id', { length: 22 }).primaryKey(),
  userId: int('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  // The jti of the one token that is currently valid for this session; refresh replaces it.
  jti: char('jti', { length: 22 }).notNull(),
  createdAt: createdAt(),
  expiresAt: datetime('expires_at', { mode: 'date', fsp: 3 }).notNull(),
  // For the account's sessions page (SPEC §10): the browser that signed in, and when the session was last used.
  userAgent: varchar('user_agent', { length: 255 }),
  lastUsedAt: datetime('last_used_at', { mode: 'date', fsp: 3 }),
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
  // True while the thumbnail and preview are still to be made in the background (SPEC §12).
  variantsPending: boolean('variants_pending').notNull().default(false),
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

/** SPEC §9: a link to an album or one image. Neither the token nor the password is stored usable. */
export const shares = mysqlTable('shares', {
  id: int('id').autoincrement().primaryKey(),
  userId: int('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  albumId: int('album_id').references(() => albums.id, { onDelete: 'cascade' }),
  imageId: int('image_id').references(() => images.id, { onDelete: 'cascade' }),
  // SHA-256 (hex) of the token: how a public request finds its share.
  tokenHash: char('token_hash', { length: 64 }).notNull().unique('shares_token_hash_unique'),
  // The token AES-256-GCM encrypted with a key derived from SECRET_KEY, so its owner can copy it again.
  tokenEncrypted: varchar('token_encrypted', { length: 255 }).notNull(),
  passwordHash: varchar('password_hash', { length: 255 }),
  allowDownload: boolean('allow_download').notNull().default(false),
  expiresAt: datetime('expires_at', { mode: 'date', fsp: 3 }).notNull(),
  // Set by a revoke, or when its album or image goes to the trash: the link is over for good.
  endedAt: datetime('ended_at', { mode: 'date', fsp: 3 }),
  viewCount: int('view_count').notNull().default(0),
  lastViewedAt: datetime('last_viewed_at', { mode: 'date', fsp: 3 }),
  createdAt: createdAt(),
}, table => [
  index('shares_user_created_idx').on(table.userId, table.createdAt),
  index('shares_album_idx').on(table.albumId),
  index('shares_image_idx').on(table.imageId),
])

/** Instance-wide settings (SPEC §10): `registration`, `default_quota_bytes`; values as JSON text. */
export const settings = mysqlTable('settings', {
  key: varchar('key', { length: 50 }).primaryKey(),
  value: text('value').notNull(),
  updatedAt: datetime('updated_at', { mode: 'date', fsp: 3 }).notNull().default(sql`CURRENT_TIMESTAMP(3)`),
})

/** Single-use invite links (SPEC §10), looked up by the token's SHA-256. */
export const invites = mysqlTable('invites', {
  id: int('id').autoincrement().primaryKey(),
  tokenHash: char('token_hash', { length: 64 }).notNull().unique('invites_token_hash_unique'),
  createdBy: int('created_by').references(() => users.id, { onDelete: 'set null' }),
  expiresAt: datetime('expires_at', { mode: 'date', fsp: 3 }).notNull(),
  usedAt: datetime('used_at', { mode: 'date', fsp: 3 }),
  usedBy: int('used_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
})

/**
 * Single-use, expiring links sent by email or made by an admin (SPEC §10): `verify_email`,
 * `reset_password`. Stored as the token's SHA-256; `email` is the address a verification is for.
 */
export const userTokens = mysqlTable('user_tokens', {
  id: int('id').autoincrement().primaryKey(),
  userId: int('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  kind: varchar('kind', { length: 20 }).notNull(),
  tokenHash: char('token_hash', { length: 64 }).notNull().unique('user_tokens_token_hash_unique'),
  email: varchar('email', { length: 254 }),
  expiresAt: datetime('expires_at', { mode: 'date', fsp: 3 }).notNull(),
  usedAt: datetime('used_at', { mode: 'date', fsp: 3 }),
  createdAt: createdAt(),
}, table => [index('user_tokens_user_kind_idx').on(table.userId, table.kind)])

/** The ten single-use two-factor recovery codes of a user (SPEC §10), stored hashed. */
export const recoveryCodes = mysqlTable('recovery_codes', {
  id: int('id').autoincrement().primaryKey(),
  userId: int('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  codeHash: char('code_hash', { length: 64 }).notNull(),
  usedAt: datetime('used_at', { mode: 'date', fsp: 3 }),
}, table => [uniqueIndex('recovery_codes_user_code_idx').on(table.userId, table.codeHash)])

export type ImageRow = typeof images.$inferSelect
export type AlbumRow = typeof albums.$inferSelect
export type UserRow = typeof users.$inferSelect
export type ShareRow = typeof shares.$inferSelect
