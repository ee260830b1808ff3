import { describe } from 'vitest'
import { RATE_LIMIT_ENV, rateLimitCases } from '../setup/rateLimit'
import { startServer } from '../setup/server'

await startServer(RATE_LIMIT_ENV)

describe('rate limits kept in memory', rateLimitCases)
