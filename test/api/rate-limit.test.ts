import { describe } from 'vitest'
import { rateLimitCases, SMALL_LIMITS } from '../setup/rateLimit'
import { startServer } from '../setup/server'

await startServer(SMALL_LIMITS)

describe('rate limits kept in memory', rateLimitCases)
