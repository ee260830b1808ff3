import { url } from '@nuxt/test-utils/e2e'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PASSWORD, uniqueName } from '../setup/api'
import { startServer } from '../setup/server'
import { gotoApp, hydrated, launchBrowser, newContext, runAxe, screenshot, screenshotEach, watchErrors } from './browser'

await startServer()

let browser: Browser
let context: BrowserContext
let page: Page
let pageErrors: string[]
const username = uniqueName('web')

beforeAll(async () => {
  browser = await launchBrowser()
  context = await newContext(browser)
  page = await context.newPage()
  pageErrors = watchErrors(page)
})

afterAll(async () => {
  await browser?.close()
  expect(pageErrors).toEqual([])
})

describe('signing up and in', () => {
  screenshotEach(() => page)

  it('sends a signed-out visitor of / to /login, already in the server response', async () => {
    const response = await page.goto(url('/'))
    expect(new URL(page.url()).pathname).toBe('/login')
    // The redirect happened on the server: the first response is the login page's HTML.
    expect(response?.request().redirectedFrom()?.url()).toBe(url('/'))
    await hydrated(page)
    expect(await page.locator('h1').textContent()).toBe('欢迎回来')
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN')
  })

  it('shows the API error for wrong credentials in the user\'s language', async () => {
    await page.fill('input[name=username]', uniqueName('nobody'))
    await page.fill('input[name=password]', 'not the password')
    await page.click('button[type=submit]')
    await page.waitForSelector('[role=alert]')
    expect(await page.locator('[role=alert]').textContent()).toContain('用户名或密码错误')
    expect(new URL(page.url()).pathname).toBe('/login')
  })

  it('checks the registration form before sending it', async () => {
    await gotoApp(page, '/register')
    await page.fill('input[name=username]', 'a b')
    await page.fill('input[name=password]', 'short')
    await page.click('button[type=submit]')
    expect(await page.locator('[aria-invalid=true]').count()).toBe(2)
    // Focus goes to the first field to fix.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('username')
  })

  it('registers, is signed in at once and shows the empty gallery with a call to upload', async () => {
    await page.fill('input[name=username]', username)
    await page.fill('input[name=password]', PASSWORD)
    await page.click('button[type=submit]')
    await page.waitForURL(url('/'))
    await page.waitForSelector('#empty-title')
    expect(await page.locator('.user-name').textContent()).toContain(username)
    expect(await page.locator('.empty button').textContent()).toContain('上传照片')
  })

  it('sends a signed-in visitor of /login to the gallery', async () => {
    await page.goto(url('/login'))
    expect(new URL(page.url()).pathname).toBe('/')
  })

  it('switches the language to English, and keeps it on the next visit', async () => {
    await gotoApp(page, '/')
    await page.click('button[lang=en-US]')
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Your photos')
    expect(await page.getAttribute('html', 'lang')).toBe('en-US')
    expect(await page.locator('.empty h2').textContent()).toBe('No photos yet')
    expect(await page.getAttribute('button[lang=en-US]', 'aria-pressed')).toBe('true')
    const cookies = await context.cookies()
    expect(cookies.find(c => c.name === 'gallery_lang')?.value).toBe('en')
    // The server renders English from the cookie.
    const html = await (await page.goto(url('/')))!.text()
    expect(html).toContain('Your photos')
    await hydrated(page)
  })

  it('signs out, lands on /login and cannot come back without signing in', async () => {
    await page.click('[data-sign-out]')
    await page.waitForURL(url('/login'))
    expect(await page.locator('.notice').textContent()).toContain('You have signed out')
    expect((await context.cookies()).some(c => c.name === 'gallery_token')).toBe(false)
    await page.goto(url('/'))
    expect(new URL(page.url()).pathname).toBe('/login')
  })
})

describe('accessibility of the sign-in page', () => {
  it.each(['light', 'dark'] as const)('has no serious or critical axe violations (%s)', async (scheme) => {
    const fresh = await newContext(browser, { colorScheme: scheme })
    const p = await fresh.newPage()
    await gotoApp(p, '/login')
    const { severe } = await runAxe(p, `login ${scheme}`)
    await screenshot(p, `login-${scheme}`)
    await fresh.close()
    expect(severe).toEqual([])
  })
})
