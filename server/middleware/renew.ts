import { hasAuthCookie, noStore, renewSession } from '../features/auth/guard'
import { whenReady } from '../features/system/startup'
import { isDatabaseDown } from '../infra/http/errors'

// Page requests of a signed-in browser (the auth cookie is present): the rendered HTML and its payload
// carry the user's private data, so no cache may keep them; and a page load renews a session whose
// cookie token expired while the browser was away (features/auth/guard.ts).
export default defineEventHandler(async (event) => {
  if (event.path.startsWith('/api/') || event.path.startsWith('/_') || !hasAuthCookie(event)) return
  noStore(event)
  if (event.method !== 'GET') return
  try {
    await whenReady()
    await renewSession(event)
  }
  catch (error) {
    // Database away (start-up waiting for it answers 503): the page renders and says so, as it does
    // without a cookie. Anything else is a fault and surfaces.
    if (!isDatabaseDown(error) && !(isError(error) && error.statusCode === 503)) throw error
  }
})
