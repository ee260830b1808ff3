import { describe, expect, it } from 'vitest'
import { trustedOrigins } from '../../server/features/auth/guard'

// Which Origin a cookie-authenticated write may come from, for configurations a production test
// server cannot have (development). The production cases are tested over real sockets in
// csrf.test.ts and session-cookie.test.ts.
describe('trusted origins for the CSRF check', () => {
  it.each([
    ['http://localhost:3000', ['http://localhost:3000', 'http://127.0.0.1:3000', 'http://[::1]:3000']],
    ['http://127.0.0.1:4000', ['http://localhost:4000', 'http://127.0.0.1:4000', 'http://[::1]:4000']],
    ['http://[::1]:3000', ['http://localhost:3000', 'http://127.0.0.1:3000', 'http://[::1]:3000']],
    ['https://localhost', ['https://localhost', 'https://127.0.0.1', 'https://[::1]']],
    ['http://photos.lan:3000', ['http://photos.lan:3000']],
  ])('in development, %s admits exactly %j (loopback aliases, same scheme and port)', (publicOrigin, expected) => {
    expect([...trustedOrigins({ publicOrigin, production: false })].sort()).toEqual([...expected].sort())
  })

  it.each([
    'http://localhost:3000',
    'http://127.0.0.1:3000',
    'https://photos.example.org',
  ])('in production, %s admits only itself', (publicOrigin) => {
    expect([...trustedOrigins({ publicOrigin, production: true })]).toEqual([publicOrigin])
  })
})
