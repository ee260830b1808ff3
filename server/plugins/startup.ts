import { whenReady } from '../features/system/startup'
import { ConfigError, useConfig } from '../infra/config'

// Checks the configuration before anything else (production refuses placeholder secrets), then
// starts the database work that the ready gate (server/middleware/ready.ts) lets requests wait for.
export default defineNitroPlugin(() => {
  try {
    useConfig()
  }
  catch (error) {
    if (!(error instanceof ConfigError)) throw error
    for (const problem of error.problems) console.error(`[gallery] refusing to start: ${problem}`)
    process.exit(1)
  }
  whenReady().catch(() => { /* logged; retried by the next request */ })
})
