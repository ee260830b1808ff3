import { sql } from 'drizzle-orm'
import { customType, datetime, index, int, mysqlTable, varchar, char } from 'drizzle-orm/mysql-core'

/**
 * Case-folded username used for uniqueness. A binary collation keeps "café" and "cafe"
 * distinct on MySQL 8 (whose default collation is accent-insensitive) and on MariaDB alike.
 */
const binaryVarchar = customType<{ data: string, config: { length: number } }>({
  dataType: config => `varchar(${config?.length ?? 50}) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
})

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
  sha256: char('sha256', { length: 64 }).notNull(),
  createdAt: createdAt(),
}, table => [index('images_user_created_idx').on(table.userId, table.createdAt, table.id)])

export type ImageRow = typeof images.$inferSelect
