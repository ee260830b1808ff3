import { useConfig } from '../infra/config'
import { metricsAuthorized, registry } from '../infra/metrics'

// SPEC §11: Prometheus text for the holder of METRICS_TOKEN (Bearer); 404 when no token is configured.
export default defineEventHandler(async (event) => {
  const token = useConfig().metricsToken
  if (!token) throw createError({ statusCode: 404, statusMessage: 'Not Found' })
  setResponseHeader(event, 'Cache-Control', 'no-store')
  if (!metricsAuthorized(getHeader(event, 'authorization'), token)) {
    setResponseHeader(event, 'WWW-Authenticate', 'Bearer')
    setResponseStatus(event, 401)
    return 'Unauthorized\n'
  }
  setResponseHeader(event, 'Content-Type', registry.contentType)
  return registry.metrics()
})
