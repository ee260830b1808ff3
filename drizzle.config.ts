import { defineConfig } from 'drizzle-kit'
import { databaseUrl } from './server/utils/config'

export default defineConfig({
  dialect: 'mysql',
  schema: './server/database/schema.ts',
  out: './server/database/migrations',
  dbCredentials: { url: databaseUrl() },
})
