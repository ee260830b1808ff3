export default defineEventHandler(async (event) => {
  setResponseHeader(event, 'Cache-Control', 'no-store')
  if (!await databaseAnswers()) throw serviceUnavailable()
  return { status: 'ok' }
})
