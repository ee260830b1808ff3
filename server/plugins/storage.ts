import memoryDriver from 'unstorage/drivers/memory'
import redisDriver from 'unstorage/drivers/redis'

// Rate-limit counters live in Nitro storage: process memory by default, Redis when REDIS_URL is set
// (so several instances share them). One setting, no code change.
export default defineNitroPlugin(() => {
  const { redisUrl } = useConfig()
  const driver = redisUrl
    ? redisDriver({ url: redisUrl, base: process.env.REDIS_PREFIX ?? 'gallery:ratelimit', lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 })
    : memoryDriver()
  useStorage().mount('ratelimit', driver)
})
