import { url } from '@nuxt/test-utils/e2e'
import type { Browser, BrowserContextOptions, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { base32Decode, hotp, timeStep } from '../../server/features/twofactor/totp'
import { bearer, PASSWORD, postJson, signUp, uniqueName } from '../setup/api'
import { startServer } from '../setup/server'
import { linkToken, startMailbox, type Received } from '../support/mailbox'
import { gotoApp, launchBrowser, newContext, screenshot, watchProblems } from './browser'

// Sign-in security through the real UI (SPEC §10) on a phone and a desktop, with a real SMTP server:
// turning two-factor on from the account page (QR code drawn in the page, recovery codes downloaded),
// signing in with a code and with a recovery code, adding and verifying an address, and resetting a
// forgotten password from the mailed link.

const mailbox = await startMailbox()
await startServer({ SMTP_URL: mailbox.url, MAIL_FROM: 'Gallery <gallery@example.test>' })

const DEVICES: Array<{ name: string, phone: boolean, options: BrowserContextOptions }> = [
  { name: 'desktop', phone: false, options: { viewport: { width: 1280, height: 800 } } },
  { name: 'phone', phone: true, options: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 } },
]

let browser: Browser
beforeAll(async () => {
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
})

const overflowsSideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth)
const to = (address: string) => (mail: Received) => mail.to.includes(address)

describe.each(DEVICES)('sign-in security ($name)', ({ name, phone, options }) => {
  const problems: string[] = []
  /** Where each console error happened (to name the page in a failure). */
  const where: string[] = []
  const pages: Page[] = []
  // The refusals these tests provoke: the wrong first code (400 TOTP_CODE_INVALID), the password step
  // (401 TOTP_REQUIRED) and the wrong sign-in code (401 TOTP_INVALID). Nothing else may go wrong.
  const refused = (problem: string) => /status of 40[01] /.test(problem)
  afterAll(async () => {
    for (const page of pages) await page.context().close()
    expect(problems.filter(p => !refused(p)), where.join('\n')).toEqual([])
    expect(problems.filter(p => p.includes('status of 400')).length).toBeGreaterThanOrEqual(1)
    expect(problems.filter(p => p.includes('status of 401')).length).toBeGreaterThanOrEqual(3)
  })

  async function open(token?: string): Promise<Page> {
    const context = await newContext(browser, { ...options, token, acceptDownloads: true })
    const page = await context.newPage()
    watchProblems(page, problems)
    page.on('console', (message) => {
      if (message.type() === 'error') where.push(`${page.url()}: ${message.text()}`)
    })
    pages.push(page)
    return page
  }
  const press = (page: Page, selector: string) => (phone ? page.tap(selector) : page.click(selector))

  /** Signs in through the form up to the second step. */
  async function passwordStep(page: Page, username: string, password = PASSWORD) {
    await gotoApp(page, '/login')
    await page.fill('input[name=username]', username)
    await page.fill('input[name=password]', password)
    await press(page, 'button[type=submit]')
    await page.waitForSelector('[data-second-step]')
  }

  const user = { username: '', token: '', secret: '', codes: [] as string[], step: 0 }

  it('turns two-factor on from the account page: QR code in the page, the key, ten recovery codes to download', async () => {
    Object.assign(user, await signUp())
    const page = await open(user.token)
    await gotoApp(page, '/account')
    await press(page, '[data-two-factor] [data-setup]')
    await page.waitForSelector('[data-two-factor] svg[data-qr] path')
    user.secret = (await page.locator('[data-secret]').textContent() ?? '').replace(/\s/g, '')
    expect(user.secret).toMatch(/^[A-Z2-7]{32}$/)
    expect(await overflowsSideways(page), `the setup is wider than the ${name} screen`).toBe(false)
    await screenshot(page, `two-factor-setup-${name}`)
    await page.fill('[data-enable-form] input[name=code]', '000000')
    await press(page, '[data-enable-form] button[type=submit]')
    await page.waitForSelector('[data-enable-form] [role=alert]')
    user.step = timeStep(Date.now())
    await page.fill('[data-enable-form] input[name=code]', hotp(base32Decode(user.secret), user.step))
    await press(page, '[data-enable-form] button[type=submit]')
    await page.waitForSelector('[data-recovery-codes]')
    user.codes = await page.locator('[data-recovery-codes] code').allTextContents()
    expect(user.codes).toHaveLength(10)
    const download = page.waitForEvent('download')
    await press(page, '[data-download-codes]')
    const file = await download
    const { readFile } = await import('node:fs/promises')
    const text = await readFile(await file.path(), 'utf8')
    for (const code of user.codes) expect(text).toContain(code)
    await press(page, '[data-codes-saved]')
    await page.waitForSelector('[data-two-factor-state=on]')
    expect(await page.locator('[data-two-factor]').textContent()).toContain('10')
    expect(await overflowsSideways(page)).toBe(false)
  })

  it('signs in with the authenticator code after the password, refusing a wrong one', async () => {
    const page = await open()
    await passwordStep(page, user.username)
    await page.fill('input[name=totp]', '000000')
    await press(page, '[data-second-step] button[type=submit]')
    await page.waitForSelector('[data-second-step] [role=alert]')
    expect(await overflowsSideways(page)).toBe(false)
    await screenshot(page, `two-factor-login-${name}`)
    await page.fill('input[name=totp]', hotp(base32Decode(user.secret), Math.max(user.step, timeStep(Date.now())) + 1))
    await press(page, '[data-second-step] button[type=submit]')
    await page.waitForURL(url('/'))
  })

  it('signs in with a recovery code instead', async () => {
    const page = await open()
    await passwordStep(page, user.username)
    await press(page, '[data-use-recovery]')
    await page.fill('input[name=recovery_code]', user.codes[3]!)
    await press(page, '[data-second-step] button[type=submit]')
    await page.waitForURL(url('/'))
  })

  it('adds and verifies an email address from the account page', async () => {
    const account = await signUp()
    const email = `${uniqueName('e2e')}@example.test`
    const page = await open(account.token)
    await gotoApp(page, '/account')
    await page.fill('[data-email-form] input[name=email]', 'not an address')
    await press(page, '[data-email-form] button[type=submit]')
    await page.waitForSelector('[data-email-form] [role=alert]')
    await page.fill('[data-email-form] input[name=email]', email)
    await press(page, '[data-email-form] button[type=submit]')
    await page.waitForSelector('[data-email-sent]')
    const mail = await mailbox.waitFor(to(email))
    await gotoApp(page, `/verify-email?token=${encodeURIComponent(linkToken(mail, '/verify-email'))}`)
    await page.waitForSelector('[data-verify-state=done]')
    await gotoApp(page, '/account')
    expect(await page.locator('[data-email]').textContent()).toBe(email)
  })

  it('resets a forgotten password from the mailed link, then signs in with the new one', async () => {
    const account = await signUp()
    const email = `${uniqueName('e2e')}@example.test`
    expect((await postJson('/api/account/email', { email }, bearer(account.token))).status).toBe(202)
    const verify = linkToken(await mailbox.waitFor(to(email)), '/verify-email')
    expect((await postJson('/api/account/email/verify', { token: verify }, bearer(account.token))).status).toBe(200)
    const page = await open()
    await gotoApp(page, '/login')
    await press(page, '[data-forgot-link]')
    await page.waitForSelector('[data-forgot-form]')
    await page.fill('input[name=identifier]', account.username)
    await press(page, '[data-forgot-form] button[type=submit]')
    await page.waitForSelector('[data-forgot-sent]')
    const mail = await mailbox.waitFor(m => to(email)(m) && m.subject.includes('Reset'))
    const link = new URL(/https?:\/\/\S+\/password\/reset\?token=\S+/.exec(mail.text)![0])
    await gotoApp(page, link.pathname + link.search)
    expect(await overflowsSideways(page)).toBe(false)
    await screenshot(page, `password-reset-${name}`)
    await page.fill('input[name=new_password]', 'a new and long password')
    await press(page, '[data-reset-form] button[type=submit]')
    await page.waitForURL(/\/login\?reset=1/)
    await page.fill('input[name=username]', account.username)
    await page.fill('input[name=password]', 'a new and long password')
    await press(page, 'button[type=submit]')
    await page.waitForURL(url('/'))
  })
})
