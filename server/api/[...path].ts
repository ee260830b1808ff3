// Unknown API paths answer in the API's error shape rather than with the web app's 404 page.
export default defineEventHandler(() => {
  throw apiError(404, 'NOT_FOUND', '接口不存在')
})
