export default defineEventHandler(async (event) => {
  const id = imageIdParam(event)
  const user = await requireUser(event)
  await deleteImage(user.id, id)
  return { message: '图片删除成功' }
})
