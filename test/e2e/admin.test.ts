import { fetch, url } from '@nuxt/test-utils/e2e'
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { bearer, makeImage, PASSWORD, postJson, signUp, upload } from '../setup/api'
import { startServer } from '../setup/server'
import { until } from '../support/files'
import { privateDatabase } from '../support/privateDb'
import { gotoApp, launchBrowser, newContext, screenshot, watchProblems } from './browser'

// The admin console through the real UI (SPEC §10), on a phone and a desktop. A gallery of its own
// (own database): the console changes instance-wide settings, and its first account is the admin.

const db = await privateDatabase('e2e_admin')
await startServer({ DB_NAME: db.name })

const DEVICES: Array<{ name: string, phone: boolean, options: BrowserContextOptions }> = [
  { name: 'desktop', phone: false, options: { viewport: { width: 1280, height: 800 } } },
  { name: 'phone', phone: true, options: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 } },
]

let browser: Browser
/** The gallery's first account: its admin. */
let admin: { username: string, token: string } | undefined

beforeAll(async () => {
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
  await db.drop()
})

const overflowsSideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth)

describe.each(DEVICES)('the admin console ($name)', ({ name, phone, options }) => {
  let context: BrowserContext
  let page: Page
  const problems: string[] = []
  let member: { username: string, token: string, id: number }
  const press = (selector: string) => (phone ? page.tap(selector) : page.click(selector))

  // In beforeEach, memoized: @nuxt/test-utils' context (which fetch() needs) is set for each test only.
  let prepared: Promise<void> | undefined
  beforeEach(() => prepared ??= prepare())
  async function prepare() {
    admin ??= await signUp()
    const user = await signUp()
    const me = await (await fetch('/api/me', { headers: bearer(user.token) })).json()
    member = { ...user, id: me.id }
    for (const n of [1, 2]) expect((await upload(user.token, await makeImage('png', 40 * n, 30), `private-${n}.png`)).status).toBe(201)
    context = await newContext(browser, { token: admin.token, ...options })
    page = await context.newPage()
    watchProblems(page, problems)
  }

  afterAll(async () => {
    await context?.close()
    // The one refusal a test asks for: the last admin stepping down (409 LAST_ADMIN).
    expect(problems.filter(p => !p.includes('status of 409'))).toEqual([])
    expect(problems.filter(p => p.includes('status of 409'))).toHaveLength(1)
  })

  it('shows stats and every account with counts and sizes, never their photos', async () => {
    await gotoApp(page, '/admin')
    await page.waitForSelector('[data-admin-users]')
    expect(await page.locator('[data-nav="admin"]').getAttribute('aria-current')).toBe('page')
    const row = page.locator(`[data-user="${member.username}"]`)
    expect(await row.textContent()).toContain('2')
    expect(Number(await page.locator('[data-stat-users]').textContent())).toBeGreaterThanOrEqual(2)
    // No image of anyone in the console.
    expect(await page.locator('main img').count()).toBe(0)
    expect(await page.content()).not.toContain('private-1.png')
    expect(await overflowsSideways(page), `the console is wider than the ${name} screen`).toBe(false)
    await screenshot(page, `admin-console-${name}`)
  })

  it('sets a user\'s quota, disables them (signed out at once) and enables them again', async () => {
    const row = `[data-user="${member.username}"]`
    await press(`${row} [data-edit-quota]`)
    await page.fill(`${row} [data-quota-input]`, '1')
    await press(`${row} [data-quota-save]`)
    await page.waitForSelector(`${row} [data-edit-quota]`)
    expect((await (await fetch('/api/me', { headers: bearer(member.token) })).json()).quota_bytes).toBe(1024 * 1024)

    await press(`${row} [data-toggle-disabled]`)
    await page.waitForSelector(`${row}[data-disabled]`)
    expect((await fetch('/api/me', { headers: bearer(member.token) })).status).toBe(401)
    expect((await postJson('/api/login', { username: member.username, password: PASSWORD })).status).toBe(403)
    await press(`${row} [data-toggle-disabled]`)
    await page.waitForSelector(`${row}:not([data-disabled])`)
    const login = await postJson('/api/login', { username: member.username, password: PASSWORD })
    expect(login.status).toBe(200)
    member.token = (await login.json()).token
    // Without email, an admin hands out a one-time reset link instead.
    await press(`${row} [data-reset-link]`)
    expect(new URL(await page.locator(`${row} [data-reset-url]`).inputValue()).pathname).toBe('/password/reset')
  })

  it('says so when the last admin tries to step down, and changes nothing', async () => {
    const own = `[data-user="${admin!.username}"]`
    await press(`${own} [data-toggle-role]`)
    await page.waitForFunction(() => document.body.textContent?.includes('最后一位管理员'))
    expect((await (await fetch('/api/me', { headers: bearer(admin!.token) })).json()).role).toBe('admin')
  })

  it('switches registration to invitation only and makes a single-use invite link', async () => {
    await press('[data-registration="invite"]')
    await press('[data-admin-settings] button[type="submit"]')
    await page.waitForFunction(() => document.body.textContent?.includes('设置已保存'))
    const stranger = await postJson('/api/register', { username: `x_${Date.now().toString(36)}${name}`, password: PASSWORD })
    expect(stranger.status).toBe(403)
    await press('[data-create-invite]')
    const link = await page.locator('[data-invite-url]').first().inputValue()
    expect(new URL(link).pathname).toBe('/register')
    const invite = new URL(link).searchParams.get('invite')
    // Someone opens the link and registers through the form: signed in, in the gallery.
    const guest = await newContext(browser, options)
    const g = await guest.newPage()
    watchProblems(g, problems)
    await gotoApp(g, `/register?invite=${invite}`)
    await g.fill('input[name="username"]', `inv_${Date.now().toString(36)}${name}`)
    await g.fill('input[name="password"]', PASSWORD)
    await g.locator('button[type="submit"]').click()
    await g.waitForURL(url('/'))
    await guest.close()
    expect((await postJson('/api/register', { username: `again_${Date.now().toString(36)}${name}`, password: PASSWORD, invite })).status).toBe(400)
    await press('[data-registration="open"]')
    await press('[data-admin-settings] button[type="submit"]')
    await page.waitForFunction(() => document.body.textContent?.includes('设置已保存'))
    expect(await until(async () => (await (await fetch('/api/admin/settings', { headers: bearer(admin!.token) })).json()).registration === 'open')).toBe(true)
    expect(await overflowsSideways(page)).toBe(false)
    await screenshot(page, `admin-settings-${name}`)
  })

  it('deletes a user after confirming: gone from the list and from the API', async () => {
    const row = `[data-user="${member.username}"]`
    await press(`${row} [data-delete-user]`)
    await page.waitForSelector('dialog[open]')
    await screenshot(page, `admin-delete-${name}`)
    await press('dialog[open] .btn-danger')
    await page.waitForSelector(row, { state: 'detached' })
    expect((await fetch('/api/me', { headers: bearer(member.token) })).status).toBe(401)
    const users = await (await fetch('/api/admin/users', { headers: bearer(admin!.token) })).json() as Array<{ id: number }>
    expect(users.map(u => u.id)).not.toContain(member.id)
  })

  it('shows no Admin entry to a user who is not one, and refuses them the console', async () => {
    const plain = await signUp()
    const other = await newContext(browser, { token: plain.token, ...options })
    const p = await other.newPage()
    await gotoApp(p, '/')
    await p.waitForSelector('[data-nav="account"]')
    expect(await p.locator('[data-nav="admin"]').count()).toBe(0)
    const res = await p.goto(url('/admin'))
    expect(res?.status()).toBe(403)
    await other.close()
  })
})
