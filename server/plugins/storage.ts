import memoryDriver from 'unstorage/drivers/memory'
import redisDriver from 'unstorage/drivers/redis'
import { useConfig } from '../infra/config'

// Rate-limit counters live in Nitro storage: process memory by default, Redis when REDIS_URL is set
// (so several instances share them). One setting, no code change.
export default defineNitroPlugin(() => {
  const { redisUrl, redisPrefix } = useConfig()
  const driver = redisUrl
    ? redisDriver({ url: redisUrl, base: `${redisPrefix}:ratelimit`, lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 })
    : memoryDriver()
  useStorage().mount('ratelimit', driver)
})
