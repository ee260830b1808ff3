import { apiError } from '../infra/http/errors'

// Unknown API paths answer in the API's error shape rather than with the web app's 404 page.
export default defineEventHandler(() => {
  throw apiError('NOT_FOUND')
})
