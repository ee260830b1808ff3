export default defineEventHandler(async (event) => {
  const id = imageIdParam(event)
  const variant = imageVariantQuery(event)
  const user = await requireUser(event)
  return sendImage(event, await findImage(user.id, id), variant)
})
