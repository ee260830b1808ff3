import { url } from '@nuxt/test-utils/e2e'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer } from '../setup/server'
import { launchBrowser, newContext, screenshot, watchProblems } from './browser'

// SPEC §11: the interactive API reference loads in a real browser from our own origin, under our
// CSP, without a console error (CSP violations are console errors) or a request to anywhere else.

await startServer()

let browser: Browser
beforeAll(async () => { browser = await launchBrowser() })
afterAll(async () => { await browser?.close() })

describe('/api/docs', () => {
  for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
    it(`shows the operations at ${viewport.width} px without errors or foreign requests`, async () => {
      const context = await newContext(browser, { viewport, locale: 'en-US' })
      const page = await context.newPage()
      const problems: string[] = []
      watchProblems(page, problems)
      const origin = new URL(url('/')).origin
      const elsewhere: string[] = []
      page.on('request', (request) => {
        const target = request.url()
        if (!target.startsWith(origin) && !target.startsWith('data:') && !target.startsWith('blob:')) elsewhere.push(target)
      })
      const response = await page.goto(url('/api/docs'))
      expect(response!.status()).toBe(200)
      await page.getByText('Upload one image', { exact: false }).first().waitFor({ timeout: 30_000 })
      await expect(page.getByRole('heading', { name: 'Gallery API' }).isVisible()).resolves.toBe(true)
      // Interactive: filter, open an operation, send it from the page.
      await page.getByLabel('Filter operations').fill('reachable writable')
      await expect(page.locator('details.operation:visible').count()).resolves.toBe(1)
      const operation = page.locator('details.operation:visible')
      await operation.locator('summary').first().click()
      await operation.getByText('Try it').click()
      await operation.getByRole('button', { name: 'Send GET' }).click()
      await operation.locator('pre.result').filter({ hasText: '"database": "ok"' }).waitFor({ timeout: 15_000 })
      expect(await operation.locator('pre.result').textContent()).toMatch(/^200 /)
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)
      expect(overflow).toBe(false)
      await screenshot(page, `api-docs-${viewport.width}`)
      expect(problems).toEqual([])
      expect(elsewhere).toEqual([])
      await context.close()
    })
  }
})
