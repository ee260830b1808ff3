export default defineEventHandler(async (event) => {
  const user = await requireUser(event)
  const image = await storeUpload(event, user.id)
  setResponseStatus(event, 201)
  return { message: '图片上传成功', image }
})
