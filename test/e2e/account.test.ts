import { fetch, url } from '@nuxt/test-utils/e2e'
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { bearer, makeImage, PASSWORD, postJson, signUp, upload } from '../setup/api'
import { startServer } from '../setup/server'
import { userId } from '../support/accounts'
import { query } from '../support/db'
import { gotoApp, launchBrowser, newContext, screenshot, watchProblems } from './browser'

// The account page through the real UI (SPEC §10), on a phone and a desktop: profile and usage,
// signed-in devices, password change, deleting the account; and the gallery refusing an upload
// that cannot fit in the quota before sending it.

await startServer()

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

describe.each(DEVICES)('the account page ($name)', ({ name, phone, options }) => {
  let context: BrowserContext
  let page: Page
  const problems: string[] = []
  let user: { username: string, token: string, id: number }
  /** The same user signed in on another device. */
  let otherToken: string
  const press = (selector: string) => (phone ? page.tap(selector) : page.click(selector))

  let prepared: Promise<void> | undefined
  beforeEach(() => prepared ??= prepare())
  async function prepare() {
    const account = await signUp()
    user = { ...account, id: await userId(account.token) }
    expect((await upload(user.token, await makeImage('png', 60, 40), 'mine.png')).status).toBe(201)
    const other = await fetch('/api/login', { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1' }, body: JSON.stringify({ username: user.username, password: PASSWORD }) })
    otherToken = (await other.json()).token
    // A plain user (the run's first account is an admin, and the last admin could not delete itself).
    await query('UPDATE users SET quota_bytes = 5242880, role = \'user\' WHERE id = ?', [user.id])
    context = await newContext(browser, { token: user.token, ...options })
    page = await context.newPage()
    watchProblems(page, problems)
  }

  afterAll(async () => {
    await context?.close()
    // The one refusal a test asks for: the wrong current password (403 WRONG_PASSWORD).
    expect(problems.filter(p => !p.includes('status of 403'))).toEqual([])
    expect(problems.filter(p => p.includes('status of 403'))).toHaveLength(1)
  })

  it('opens from the header and shows the profile with the usage against the quota', async () => {
    await gotoApp(page, '/')
    await press('[data-nav="account"]')
    await page.waitForURL(url('/account'))
    await page.waitForSelector('[data-account-profile]')
    expect(await page.locator('[data-account-profile]').textContent()).toContain(user.username)
    expect(await page.locator('[data-account-profile] [role="progressbar"]').count()).toBe(1)
    expect(await page.locator('[data-account-profile] [data-quota-left]').textContent()).toMatch(/MB/)
    expect(await overflowsSideways(page), `the account page is wider than the ${name} screen`).toBe(false)
    await screenshot(page, `account-${name}`)
  })

  it('lists the signed-in devices, marks this one, and signs another out', async () => {
    const sessions = page.locator('[data-account-sessions] [data-session]')
    expect(await sessions.count()).toBe(2)
    expect(await page.locator('[data-account-sessions] [data-current]').count()).toBe(1)
    expect(await page.locator('[data-account-sessions]').textContent()).toContain('iPhone')
    await press('[data-account-sessions] [data-session]:not([data-current]) [data-revoke-session]')
    await page.waitForFunction(() => document.querySelectorAll('[data-account-sessions] [data-session]').length === 1)
    expect((await fetch('/api/me', { headers: bearer(otherToken) })).status).toBe(401)
    expect((await fetch('/api/me', { headers: bearer(user.token) })).status).toBe(200)
  })

  it('changes the password: the wrong current one is said, the right one signs out every other device', async () => {
    const another = (await (await postJson('/api/login', { username: user.username, password: PASSWORD })).json()).token
    await page.fill('[data-password-form] input[name="current_password"]', 'not my password')
    await page.fill('[data-password-form] input[name="new_password"]', 'a new password here')
    await press('[data-password-form] button[type="submit"]')
    await page.waitForSelector('[data-password-form] .alert')
    expect(await page.locator('[data-password-form] .alert').textContent()).toContain('当前密码错误')
    await page.fill('[data-password-form] input[name="current_password"]', PASSWORD)
    await press('[data-password-form] button[type="submit"]')
    await page.waitForFunction(() => document.body.textContent?.includes('密码已修改'))
    expect((await fetch('/api/me', { headers: bearer(another) })).status).toBe(401)
    expect((await postJson('/api/login', { username: user.username, password: 'a new password here' })).status).toBe(200)
  })

  it('refuses an upload that cannot fit in the quota before sending it', async () => {
    await query('UPDATE users SET quota_bytes = (SELECT SUM(size) FROM images WHERE user_id = ?) + 10 WHERE id = ?', [user.id, user.id])
    await gotoApp(page, '/')
    await page.waitForSelector('[data-account-usage]')
    let sent = 0
    page.on('request', (request) => { if (request.url().includes('/api/images/upload')) sent++ })
    await page.setInputFiles('input[data-upload-input] >> nth=0', [{ name: 'big.png', mimeType: 'image/png', buffer: await makeImage('png', 200, 200) }])
    await page.waitForFunction(() => document.body.textContent?.includes('配额剩余空间不足'))
    expect(sent).toBe(0)
    expect(await overflowsSideways(page)).toBe(false)
    await screenshot(page, `quota-refused-${name}`)
  })

  it('deletes the account after the password and a confirmation, and opens the sign-in page', async () => {
    await gotoApp(page, '/account')
    await page.fill('[data-delete-account-form] input[name="password"]', 'a new password here')
    await press('[data-delete-account]')
    await page.waitForSelector('dialog[open]')
    await press('dialog[open] .btn-danger')
    await page.waitForURL(url('/login'))
    expect(await query('SELECT id FROM users WHERE id = ?', [user.id])).toEqual([])
    expect(await query('SELECT id FROM images WHERE user_id = ?', [user.id])).toEqual([])
  })
})
