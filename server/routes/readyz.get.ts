import { readiness } from '../features/system/health'

// SPEC §11: database reachable and storage writable; 503 naming the failing part otherwise.
export default defineEventHandler(async (event) => {
  setResponseHeader(event, 'Cache-Control', 'no-store')
  const report = await readiness()
  if (report.status !== 'ok') setResponseStatus(event, 503)
  return report
})
