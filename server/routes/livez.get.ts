// SPEC §11: the process answers. Nothing else is checked (a database outage is /readyz's business).
export default defineEventHandler((event) => {
  setResponseHeader(event, 'Cache-Control', 'no-store')
  return { status: 'ok', checks: {} }
})
