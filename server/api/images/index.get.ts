export default defineEventHandler(async (event) => {
  const { limit, before } = imageListQuery(event)
  const user = await requireUser(event)
  const { images, next } = await listImages(user.id, limit, before)
  if (next !== undefined) setResponseHeader(event, 'Link', `</api/images?limit=${limit}&before=${next}>; rel="next"`)
  setResponseHeader(event, 'Cache-Control', 'private, no-cache')
  return images
})
