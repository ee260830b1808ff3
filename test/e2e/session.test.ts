import { fetch, url } from '@nuxt/test-utils/e2e'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, makeImage, signUp } from '../setup/api'
import { startServer } from '../setup/server'
import { gotoApp, launchBrowser, newContext, screenshot } from './browser'

// Tokens that live 8 seconds: the web app must refresh them on its own, well before they expire.
await startServer({ JWT_EXPIRATION_DELTA: '8' })

let browser: Browser

beforeAll(async () => {
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
})

describe('session', () => {
  it('refreshes the token silently before it expires and stays signed in', async () => {
    const { token } = await signUp()
    const context = await newContext(browser, { token })
    const page = await context.newPage()
    await gotoApp(page, '/')
    const refreshed = await page.waitForResponse(r => r.url().endsWith('/api/refresh'), { timeout: 15_000 })
    expect(refreshed.status()).toBe(200)
    await page.waitForResponse(r => r.url().endsWith('/api/me') && r.status() === 200)
    const cookie = (await context.cookies()).find(c => c.name === 'gallery_token')!.value
    expect(cookie).not.toBe(token)
    // Rotated: the new token works, the old one no longer does.
    expect((await fetch('/api/me', { headers: bearer(cookie) })).status).toBe(200)
    expect((await fetch('/api/me', { headers: bearer(token) })).status).toBe(401)
    const response = await page.reload()
    expect(new URL(page.url()).pathname).toBe('/')
    expect(await response!.text()).toContain('我的照片')
    await screenshot(page, 'silent-refresh')
    await context.close()
  })

  it('sends the user to sign in again, saying why, when the session was ended elsewhere', async () => {
    const { token } = await signUp()
    const context = await newContext(browser, { token })
    const page = await context.newPage()
    await gotoApp(page, '/')
    await page.waitForSelector('#empty-title')
    expect((await fetch('/api/logout', { method: 'POST', headers: bearer(token) })).status).toBe(200)
    await page.setInputFiles('input[data-upload-input] >> nth=0', [{ name: 'late.png', mimeType: 'image/png', buffer: await makeImage() }])
    await page.waitForURL(url('/login'))
    await page.waitForSelector('.notice')
    expect(await page.locator('.notice').textContent()).toContain('登录已过期')
    await screenshot(page, 'session-ended')
    await context.close()
  })
})
