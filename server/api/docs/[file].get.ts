import { sendDocsAsset } from '../../features/system/apiDocs'
import { apiError } from '../../infra/http/errors'

// The API reference's script (/api/docs/reference.js): a same-origin file, no CDN.
export default defineEventHandler(async (event) => {
  const body = await sendDocsAsset(event, getRouterParam(event, 'file') ?? '')
  if (body === undefined) throw apiError('NOT_FOUND')
  return body
})
