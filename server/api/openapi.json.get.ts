import { openApiDocument } from '../../shared/contracts/openapi'

// SPEC §11: the OpenAPI 3.1 document, generated from the contracts (shared/contracts/openapi/).
export default defineEventHandler((event) => {
  setResponseHeader(event, 'Cache-Control', 'no-cache')
  return openApiDocument()
})
