import { fetch } from '@nuxt/test-utils/e2e'
import { describe, expect, it } from 'vitest'
import { base32Decode, hotp, timeStep } from '../../server/features/twofactor/totp'
import { bearer, PASSWORD, postJson, signUp, uniqueName } from '../setup/api'
import { freePort, startServer } from '../setup/server'
import { userId } from '../support/accounts'
import { query } from '../support/db'
import { expectApiError, expectNoLeak } from '../support/errors'
import { linkToken, startMailbox, type Received } from '../support/mailbox'
import { startOwnServer } from './upload-server'

// Email (SPEC §10) against a real SMTP server started here (smtp-server + mailparser): verifying an
// address, forgot/reset password, the security notices, the limits, and an SMTP server that is down.

const mailbox = await startMailbox()
const FORGOT_PER_IP = 12
await startServer({
  SMTP_URL: mailbox.url,
  MAIL_FROM: 'Gallery <gallery@example.test>',
  // Each test speaks from its own X-Forwarded-For address, so the per-address limit is per test.
  TRUST_PROXY: '1',
  RATE_LIMIT_FORGOT_PER_IP: String(FORGOT_PER_IP),
  RATE_LIMIT_FORGOT_PER_ACCOUNT: '5',
  RATE_LIMIT_LOGIN_PER_USER: '100',
})

let lastAddress = 10
const newAddress = () => ({ 'x-forwarded-for': `198.51.100.${lastAddress++}` })

const to = (address: string) => (mail: Received) => mail.to.includes(address)
const newEmail = () => `${uniqueName('m')}@example.test`
const forgot = (body: unknown, from = newAddress()) => postJson('/api/password/forgot', body, from)
const reset = (token: string, password: string) => postJson('/api/password/reset', { token, new_password: password })
const login = (username: string, password = PASSWORD, headers: Record<string, string> = {}) => postJson('/api/login', { username, password }, headers)

/** A fresh user with a verified address (through the real verification mail). */
async function verifiedUser() {
  const user = await signUp()
  const email = newEmail()
  expect((await postJson('/api/account/email', { email }, bearer(user.token))).status).toBe(202)
  const mail = await mailbox.waitFor(to(email))
  const res = await postJson('/api/account/email/verify', { token: linkToken(mail, '/verify-email') }, bearer(user.token))
  expect(res.status).toBe(200)
  return { ...user, email }
}

describe('adding and verifying an address', () => {
  it('mails a link in both languages (text and HTML) and keeps the address only once the link is used', async () => {
    const user = await signUp()
    const email = newEmail()
    const me = async () => (await (await fetch('/api/me', { headers: bearer(user.token) })).json()) as { email: string | null, email_available: boolean }
    expect(await me()).toMatchObject({ email: null, email_available: true })
    const res = await postJson('/api/account/email', { email: `  ${email.toUpperCase()} ` }, bearer(user.token))
    expect(res.status).toBe(202)
    const mail = await mailbox.waitFor(to(email))
    expect(mail.subject).toBe('验证你的邮箱 / Verify your email')
    expect(mail.raw.from?.text).toContain('gallery@example.test')
    expect(mail.text).toContain(user.username)
    expect(mail.text).toContain('24 小时')
    expect(mail.text).toContain('within 24 hours')
    const token = linkToken(mail, '/verify-email')
    expect(mail.html).toContain(`/verify-email?token=${token}`)
    expect(mail.html).toContain('<p>')
    // Stored hashed, never the token itself.
    const rows = await query<{ token_hash: string, email: string }>('SELECT token_hash, email FROM user_tokens WHERE user_id = ?', [await userId(user.token)])
    expect(rows).toHaveLength(1)
    expect(rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/)
    expect(rows[0]!.token_hash).not.toContain(token)
    expect(rows[0]!.email).toBe(email)
    expect((await me()).email).toBeNull()
    const verified = await postJson('/api/account/email/verify', { token }, bearer(user.token))
    expect(verified.status).toBe(200)
    expect((await verified.json()).email).toBe(email)
    expect((await me()).email).toBe(email)
    await expectApiError(await postJson('/api/account/email/verify', { token }, bearer(user.token)), 400, 'TOKEN_USED')
  })

  it('refuses another user\'s link, and a malformed address with 400 EMAIL_INVALID', async () => {
    const owner = await signUp()
    const other = await signUp()
    const email = newEmail()
    await postJson('/api/account/email', { email }, bearer(owner.token))
    const token = linkToken(await mailbox.waitFor(to(email)), '/verify-email')
    await expectApiError(await postJson('/api/account/email/verify', { token }, bearer(other.token)), 400, 'TOKEN_INVALID')
    for (const bad of ['not-an-address', 'a@', '@b.org', 'a b@c.org', `${'x'.repeat(250)}@example.org`, '']) {
      await expectApiError(await postJson('/api/account/email', { email: bad }, bearer(owner.token)), 400, 'EMAIL_INVALID')
    }
    await expectApiError(await postJson('/api/account/email', { mail: email }, bearer(owner.token)), 400, 'VALIDATION_ERROR')
  })

  it('forgets the address on DELETE', async () => {
    const user = await verifiedUser()
    expect((await fetch('/api/account/email', { method: 'DELETE', headers: bearer(user.token) })).status).toBe(200)
    expect((await (await fetch('/api/me', { headers: bearer(user.token) })).json()).email).toBeNull()
  })
})

describe('forgot and reset password', () => {
  it('answers the same 202 whether or not the account exists, and mails only a verified one', async () => {
    const user = await verifiedUser()
    const unverified = await signUp()
    const answers = await Promise.all([
      forgot({ username: user.username }), forgot({ email: user.email }), forgot({ username: uniqueName('ghost') }),
      forgot({ email: 'nobody@example.test' }), forgot({ username: unverified.username }),
    ])
    const bodies = await Promise.all(answers.map(async res => [res.status, await res.text()]))
    for (const body of bodies) expect(body).toEqual(bodies[0])
    expect(bodies[0]![0]).toBe(202)
    await mailbox.waitFor(to(user.email))
    const mails = await mailbox.settled(mail => to(user.email)(mail) && mail.subject.includes('Reset'))
    expect(mails).toHaveLength(2)
    expect(mails[0]!.text).toContain('30 分钟')
    expect(mailbox.received.filter(mail => mail.to.includes('nobody@example.test'))).toEqual([])
  })

  it('sets the new password with the link, ends every session, refuses the link again and sends a notice', async () => {
    const user = await verifiedUser()
    const second = await login(user.username)
    const secondToken = (await second.json()).token as string
    expect((await forgot({ username: user.username })).status).toBe(202)
    const token = linkToken(await mailbox.waitFor(m => to(user.email)(m) && m.subject.includes('Reset')), '/password/reset')
    const res = await reset(token, 'a brand new password')
    expect(res.status).toBe(200)
    for (const old of [user.token, secondToken]) await expectApiError(await fetch('/api/me', { headers: bearer(old) }), 401, 'UNAUTHORIZED')
    await expectApiError(await login(user.username), 401, 'INVALID_CREDENTIALS')
    expect((await login(user.username, 'a brand new password')).status).toBe(200)
    await expectApiError(await reset(token, 'yet another password'), 400, 'TOKEN_USED')
    const notice = await mailbox.waitFor(m => to(user.email)(m) && m.subject === '你的密码已修改 / Your password was changed')
    expect(notice.text).toContain('change your password now')
  })

  it('lets exactly one of 50 parallel uses of a link through', async () => {
    const user = await verifiedUser()
    await forgot({ username: user.username })
    const token = linkToken(await mailbox.waitFor(m => to(user.email)(m) && m.subject.includes('Reset')), '/password/reset')
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => reset(token, `parallel password ${i}`)))
    const ok = answers.filter(r => r.status === 200)
    expect(ok).toHaveLength(1)
    for (const res of answers.filter(r => r.status !== 200)) await expectApiError(res, 400, 'TOKEN_USED')
    const [row] = await query<{ n: number }>('SELECT COUNT(*) AS n FROM user_tokens WHERE user_id = ? AND kind = \'reset_password\' AND used_at IS NULL', [await userId((await (await login(user.username, `parallel password ${answers.indexOf(ok[0]!)}`)).json()).token)])
    expect(Number(row!.n)).toBe(0)
  })

  it('refuses an expired link (400 TOKEN_EXPIRED), an unknown one (TOKEN_INVALID) and a weak password, changing nothing', async () => {
    const user = await verifiedUser()
    await forgot({ username: user.username })
    const token = linkToken(await mailbox.waitFor(m => to(user.email)(m) && m.subject.includes('Reset')), '/password/reset')
    await expectApiError(await reset(token, 'short'), 400, 'VALIDATION_ERROR')
    await query('UPDATE user_tokens SET expires_at = CURRENT_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE user_id = ?', [await userId(user.token)])
    const expired = await expectApiError(await reset(token, 'a brand new password'), 400, 'TOKEN_EXPIRED')
    expect(expired.message).toMatch(/过期/)
    await expectApiError(await reset('x'.repeat(43), 'a brand new password'), 400, 'TOKEN_INVALID')
    expect((await login(user.username)).status).toBe(200)
    for (const body of [{}, { username: 'a', email: 'a@b.org' }, { username: 5 }, 'text']) {
      await expectApiError(await forgot(body), 400, 'VALIDATION_ERROR')
    }
    await expectApiError(await forgot({ email: 'not an address' }), 400, 'EMAIL_INVALID')
  })

  it('limits forgot-password per account, counting unknown names alike, and per client address', async () => {
    const user = await verifiedUser()
    const address = newAddress()
    const statuses: number[] = []
    for (let i = 0; i < 7; i++) statuses.push((await forgot({ username: user.username }, newAddress())).status)
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429, 429])
    const ghost = uniqueName('ghost')
    const ghostStatuses: number[] = []
    for (let i = 0; i < 7; i++) ghostStatuses.push((await forgot({ username: ghost }, newAddress())).status)
    expect(ghostStatuses).toEqual(statuses)
    const burst = await Promise.all(Array.from({ length: 50 }, () => forgot({ username: uniqueName('ghost') }, address)))
    expect(burst.filter(r => r.status === 202)).toHaveLength(FORGOT_PER_IP)
    expect(burst.filter(r => r.status === 429)).toHaveLength(50 - FORGOT_PER_IP)
  })
})

describe('notices', () => {
  it('tells of two-factor turned on and off', async () => {
    const user = await verifiedUser()
    const { secret } = await (await fetch('/api/account/2fa/setup', { method: 'POST', headers: bearer(user.token) })).json() as { secret: string }
    const code = hotp(base32Decode(secret), timeStep(Date.now()))
    expect((await postJson('/api/account/2fa/enable', { code }, bearer(user.token))).status).toBe(200)
    await mailbox.waitFor(m => to(user.email)(m) && m.subject === '两步验证已开启 / Two-factor sign-in turned on')
    const off = await fetch('/api/account/2fa', { method: 'DELETE', headers: { ...bearer(user.token), 'content-type': 'application/json' }, body: JSON.stringify({ password: PASSWORD }) })
    expect(off.status).toBe(200)
    await mailbox.waitFor(m => to(user.email)(m) && m.subject === '两步验证已关闭 / Two-factor sign-in turned off')
  })

  it('tells of a sign-in from a device not seen in the user\'s sessions, once', async () => {
    const user = await verifiedUser()
    const isNotice = (m: Received) => to(user.email)(m) && m.subject.includes('new device')
    const device = 'Mozilla/5.0 (X11; Linux) <b>Test</b>Browser/1.0'
    expect((await login(user.username, PASSWORD, { 'user-agent': device })).status).toBe(200)
    const notice = await mailbox.waitFor(isNotice)
    expect(notice.text).toContain(device)
    expect(notice.html).toContain('&lt;b&gt;Test&lt;/b&gt;')
    expect(notice.html).not.toContain('<b>Test</b>')
    expect((await login(user.username, PASSWORD, { 'user-agent': device })).status).toBe(200)
    expect(await mailbox.settled(isNotice)).toHaveLength(1)
  })

  it('tells of a password change', async () => {
    const user = await verifiedUser()
    const res = await postJson('/api/account/password', { current_password: PASSWORD, new_password: 'changed password here' }, bearer(user.token))
    expect(res.status).toBe(200)
    await mailbox.waitFor(m => to(user.email)(m) && m.subject === '你的密码已修改 / Your password was changed')
  })
})

describe('an admin\'s reset link', () => {
  it('makes a one-time link (201 {url, expires_at}) that sets the password; 404 for an unknown user', async () => {
    const admin = await signUp()
    await query('UPDATE users SET role = \'admin\' WHERE id = ?', [await userId(admin.token)])
    const target = await signUp()
    const targetId = await userId(target.token)
    const res = await fetch(`/api/admin/users/${targetId}/reset-link`, { method: 'POST', headers: bearer(admin.token) })
    expect(res.status).toBe(201)
    const body = await res.json() as { url: string, expires_at: string }
    expect(Object.keys(body).sort()).toEqual(['expires_at', 'url'])
    const url = new URL(body.url)
    expect(url.pathname).toBe('/password/reset')
    expect(new Date(body.expires_at).getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000)
    const token = url.searchParams.get('token') ?? ''
    expect((await reset(token, 'set by the admin link')).status).toBe(200)
    expect((await login(target.username, 'set by the admin link')).status).toBe(200)
    await expectApiError(await reset(token, 'set by the admin link'), 400, 'TOKEN_USED')
    await expectApiError(await fetch('/api/admin/users/999999999/reset-link', { method: 'POST', headers: bearer(admin.token) }), 404, 'USER_NOT_FOUND')
    const again = (await (await login(target.username, 'set by the admin link')).json()).token as string
    await expectApiError(await fetch(`/api/admin/users/${targetId}/reset-link`, { method: 'POST', headers: bearer(again) }), 403, 'FORBIDDEN')
  })
})

describe('an SMTP server that is down', () => {
  it('still answers 202 at once and logs the failure, without the link', async () => {
    const closedPort = await freePort()
    const server = await startOwnServer({ SMTP_URL: `smtp://127.0.0.1:${closedPort}` })
    const username = uniqueName('down')
    const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    expect((await server.fetch('/api/register', json({ username, password: PASSWORD }))).status).toBe(201)
    await query('UPDATE users SET email = ?, email_verified_at = CURRENT_TIMESTAMP(3) WHERE username = ?', ['down@example.test', username])
    const started = Date.now()
    const res = await server.fetch('/api/password/forgot', json({ username }))
    expect(res.status).toBe(202)
    expect(Date.now() - started).toBeLessThan(3000)
    expectNoLeak(await res.text())
    const deadline = Date.now() + 15_000
    while (!server.output().includes('[gallery] mail: could not send') && Date.now() < deadline) await new Promise(r => setTimeout(r, 100))
    expect(server.output()).toContain('[gallery] mail: could not send "重置密码 / Reset your password"')
    expect(server.output()).not.toMatch(/token=/)
    expect((await server.fetch('/api/health')).status).toBe(200)
    expect(await server.faults()).toEqual([])
    await server.kill()
  })
})
