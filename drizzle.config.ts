import { defineConfig } from 'drizzle-kit'
import { databaseUrl } from './server/infra/config'

export default defineConfig({
  dialect: 'mysql',
  schema: './server/infra/db/schema.ts',
  out: './server/infra/db/migrations',
  dbCredentials: { url: databaseUrl() },
})
