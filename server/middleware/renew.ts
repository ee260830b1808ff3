import { AUTH_COOKIE, renewSession } from '../features/auth/guard'
import { whenReady } from '../features/system/startup'

// Page loads renew a session whose token expired while the browser was away (features/auth/guard.ts).
export default defineEventHandler(async (event) => {
  if (event.method !== 'GET' || event.path.startsWith('/api/') || event.path.startsWith('/_')) return
  if (!getCookie(event, AUTH_COOKIE)) return
  try {
    await whenReady()
    await renewSession(event)
  }
  catch {
    // Database away or a race with another tab: the page renders signed out and says so.
  }
})
