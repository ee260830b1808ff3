// Micro-benchmark: CPU cost of verifying the app's HS256 token: jose with the raw key bytes (as
// server/features/auth/tokens.ts), jose with a CryptoKey imported once, and node:crypto HMAC + timingSafeEqual.
//   node bench/micro/jwt-verify.mjs
import { createHmac, timingSafeEqual } from 'node:crypto'
import { SignJWT, jwtVerify } from 'jose'

const secret = new TextEncoder().encode('x'.repeat(48))
const key = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
const token = await new SignJWT({ user_id: 1, sid: 'abc' }).setProtectedHeader({ alg: 'HS256' }).setSubject('1').setJti('j').setIssuedAt().setExpirationTime('1h').sign(secret)
const opts = { algorithms: ['HS256'], requiredClaims: ['exp', 'iat', 'sub', 'jti'], clockTolerance: 5 }
async function time(name, fn, n = 20000) {
  for (let i = 0; i < 2000; i++) await fn()
  const t = performance.now(); const c0 = process.cpuUsage()
  for (let i = 0; i < n; i++) await fn()
  const wall = performance.now() - t; const cpu = process.cpuUsage(c0)
  console.log(`${name}: ${(wall * 1000 / n).toFixed(1)} µs wall, ${((cpu.user + cpu.system) / n).toFixed(1)} µs CPU per verify`)
}
await time('jose, Uint8Array key (today)', () => jwtVerify(token, secret, opts))
await time('jose, cached CryptoKey', () => jwtVerify(token, key, opts))
await time('node:crypto createHmac', () => {
  const [h, p, s] = token.split('.')
  const ok = timingSafeEqual(createHmac('sha256', secret).update(`${h}.${p}`).digest(), Buffer.from(s, 'base64url'))
  return ok && JSON.parse(Buffer.from(p, 'base64url'))
})
