import { DOCS_CSP, DOCS_PAGE } from '../features/system/apiDocs'

// SPEC §11: the interactive API reference, from our own origin, under our CSP (no CDN, no inline script).
export default defineEventHandler((event) => {
  setResponseHeaders(event, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': DOCS_CSP, 'Cache-Control': 'no-cache' })
  return DOCS_PAGE
})
