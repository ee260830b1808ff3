import { whenReady } from '../features/system/startup'

// API requests wait until start-up (database, migrations) is done; a down database answers 503.
export default defineEventHandler(async (event) => {
  if (event.path.startsWith('/api/')) await whenReady()
})
