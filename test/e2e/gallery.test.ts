import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { fetch, url } from '@nuxt/test-utils/e2e'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { bearer, makeImage, signUp, upload } from '../setup/api'
import { startServer } from '../setup/server'
import type { FileSpec } from './browser'
import { gotoApp, launchBrowser, newContext, runAxe, scenicImage, screenshot, screenshotEach, watchErrors } from './browser'

await startServer()

let browser: Browser
let context: BrowserContext
let page: Page
let token: string
let pageErrors: string[]

const tiles = (p: Page = page) => p.locator('.grid a[data-image-id]')
const queueItems = (p: Page = page) => p.locator('[data-upload-queue] li')

async function listImages() {
  const res = await fetch('/api/images', { headers: bearer(token) })
  return await res.json() as Array<{ id: number, filename: string }>
}

/** Waits until every file of the queue has finished, and returns their statuses by name. */
async function settledQueue(p: Page = page): Promise<Record<string, string>> {
  await p.waitForFunction(() => {
    const items = [...document.querySelectorAll('[data-upload-queue] li')]
    return items.length > 0 && items.every(li => ['done', 'error'].includes(li.getAttribute('data-status')!))
  })
  const entries = await queueItems(p).evaluateAll(items => items.map(li => [li.getAttribute('data-name'), li.getAttribute('data-status')]))
  return Object.fromEntries(entries)
}

async function clearQueue() {
  await page.click('[data-upload-queue] .head .btn')
  await page.waitForSelector('[data-upload-queue]', { state: 'detached' })
}

beforeAll(async () => {
  browser = await launchBrowser()
  ;({ token } = await signUp())
  context = await newContext(browser, { token })
  page = await context.newPage()
  pageErrors = watchErrors(page)
  // Counts upload requests in flight inside the page: a request ends when its load/error/abort
  // listeners run, which (registered at open) come before the app's own handlers start the next one.
  await page.addInitScript(() => {
    const w = window as unknown as { uploadsInFlight: number, maxUploadsInFlight: number }
    w.uploadsInFlight = 0
    w.maxUploadsInFlight = 0
    const { open, send } = XMLHttpRequest.prototype
    type CountedRequest = XMLHttpRequest & { countedUpload?: boolean }
    XMLHttpRequest.prototype.open = function (this: CountedRequest, ...args: Parameters<typeof open>) {
      if (String(args[1]).endsWith('/api/images/upload')) {
        this.countedUpload = true
        const end = () => { w.uploadsInFlight-- }
        for (const type of ['load', 'error', 'abort']) this.addEventListener(type, end)
      }
      return open.apply(this, args)
    } as typeof open
    XMLHttpRequest.prototype.send = function (this: CountedRequest, body?: Parameters<typeof send>[0]) {
      if (this.countedUpload) w.maxUploadsInFlight = Math.max(w.maxUploadsInFlight, ++w.uploadsInFlight)
      return send.call(this, body)
    }
  })
})

afterAll(async () => {
  await browser?.close()
  expect(pageErrors).toEqual([])
})

describe('uploading', () => {
  screenshotEach(() => page)

  it('uploads files chosen with the button, each with its own progress bar, and shows them without a reload', async () => {
    await gotoApp(page, '/')
    await page.waitForSelector('#empty-title')
    const files: FileSpec[] = [
      { name: '湖边日落.jpg', mimeType: 'image/jpeg', buffer: await scenicImage(0, 1600, 1067) },
      { name: 'forest-trail.png', mimeType: 'image/png', buffer: await scenicImage(1, 900, 1200, 'png') },
      { name: 'night-harbour.jpg', mimeType: 'image/jpeg', buffer: await scenicImage(2, 1500, 1000) },
    ]
    await page.setInputFiles('input[data-upload-input] >> nth=0', files)
    const statuses = await settledQueue()
    expect(statuses).toEqual({ '湖边日落.jpg': 'done', 'forest-trail.png': 'done', 'night-harbour.jpg': 'done' })
    expect(await page.locator('[data-upload-queue] [role=progressbar]').evaluateAll(bars => bars.map(b => b.getAttribute('aria-valuenow')))).toEqual(['100', '100', '100'])
    await page.waitForFunction(() => document.querySelectorAll('.grid a[data-image-id]').length === 3)
    expect(await tiles().locator('img').evaluateAll(imgs => imgs.map(i => i.getAttribute('alt')).sort())).toEqual(['forest-trail', 'night-harbour', '湖边日落'])
    expect(await tiles().first().locator('img').getAttribute('loading')).toBe('lazy')
    await clearQueue()
  })

  it('uploads many files dropped anywhere on the page, at most 3 at a time', async () => {
    const specs = await Promise.all([
      ['desert-dunes.jpg', 3, 1400, 900], ['lavender-sky.jpg', 4, 1000, 1000], ['golden-hour.gif', 5, 900, 600],
      ['alpine-lake.jpg', 1, 1200, 800], ['canyon.png', 0, 800, 1100],
    ].map(async ([name, seed, w, h]) => {
      const format = String(name).endsWith('.gif') ? 'gif' : String(name).endsWith('.png') ? 'png' : 'jpeg'
      const bytes = await scenicImage(Number(seed), Number(w), Number(h), format)
      return { name: String(name), type: `image/${format}`, base64: bytes.toString('base64') }
    }))
    const dataTransfer = await page.evaluateHandle((files) => {
      const transfer = new DataTransfer()
      for (const f of files) {
        const bytes = Uint8Array.from(atob(f.base64), c => c.charCodeAt(0))
        transfer.items.add(new File([bytes], f.name, { type: f.type }))
      }
      return transfer
    }, specs)
    await page.dispatchEvent('main', 'dragenter', { dataTransfer })
    await page.waitForSelector('.drop')
    await page.dispatchEvent('main', 'drop', { dataTransfer })
    await page.waitForSelector('.drop', { state: 'detached' })
    const statuses = await settledQueue()
    expect(Object.values(statuses)).toEqual(['done', 'done', 'done', 'done', 'done'])
    await page.waitForFunction(() => document.querySelectorAll('.grid a[data-image-id]').length === 8)
    const maxParallel = await page.evaluate(() => (window as unknown as { maxUploadsInFlight: number }).maxUploadsInFlight)
    expect(maxParallel).toBe(3)
    // Newest first, as the API lists them: the grid matches a fresh listing.
    const shown = await tiles().evaluateAll(links => links.map(a => Number(a.getAttribute('data-image-id'))))
    expect(shown).toEqual((await listImages()).map(i => i.id))
    await clearQueue()
  })

  it('explains per file why a text file named .png or .txt, or a file over 16 MiB, is refused, without offering a retry', async () => {
    await page.setInputFiles('input[data-upload-input] >> nth=0', [
      { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('these are not pixels\n') },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('plain text\n') },
      { name: 'ok.png', mimeType: 'image/png', buffer: await scenicImage(5, 1200, 900, 'png') },
    ])
    // A file just over 16 MiB, made in the page (cheaper than sending 16 MiB through the driver).
    await page.evaluate(() => {
      const input = document.querySelector<HTMLInputElement>('input[data-upload-input]')!
      const transfer = new DataTransfer()
      transfer.items.add(new File([new Uint8Array(16 * 1024 * 1024 + 1)], 'huge.png', { type: 'image/png' }))
      input.files = transfer.files
      input.dispatchEvent(new Event('change', { bubbles: true }))
    })
    const statuses = await settledQueue()
    expect(statuses).toEqual({ 'notes.png': 'error', 'notes.txt': 'error', 'huge.png': 'error', 'ok.png': 'done' })
    const reasons = { 'notes.png': '不支持的文件类型', 'notes.txt': '不支持的文件类型', 'huge.png': '文件过大' }
    for (const [name, reason] of Object.entries(reasons)) {
      const item = page.locator(`[data-upload-queue] li[data-name="${name}"]`)
      expect(await item.locator('.task-error').textContent()).toContain(reason)
      expect(await item.locator('[data-retry]').count()).toBe(0)
    }
    await clearQueue()
  })
  it('lets a failed upload be retried, and says the network was the problem', async () => {
    let failures = 1
    await page.route('**/api/images/upload', route => (failures-- > 0 ? route.abort('connectionreset') : route.continue()))
    await page.setInputFiles('input[data-upload-input] >> nth=0', [
      { name: 'flaky.jpg', mimeType: 'image/jpeg', buffer: await scenicImage(4, 1200, 800) },
    ])
    const item = page.locator('[data-upload-queue] li[data-name="flaky.jpg"]')
    await item.locator('[data-retry]').waitFor()
    expect(await item.getAttribute('data-status')).toBe('error')
    expect(await item.locator('.task-error').textContent()).toContain('无法连接服务器')
    await item.locator('[data-retry]').click()
    await page.waitForSelector('[data-upload-queue] li[data-name="flaky.jpg"][data-status=done]')
    await page.unroute('**/api/images/upload')
    expect(await tiles().first().locator('img').getAttribute('alt')).toBe('flaky')
    await clearQueue()
  })
})

describe('viewing and deleting', () => {
  screenshotEach(() => page)

  it('opens the viewer with Enter, browses with the arrow keys, closes with Esc and gives focus back', async () => {
    const first = tiles().first()
    const firstId = await first.getAttribute('data-image-id')
    const names = (await listImages()).map(i => i.filename)
    await first.focus()
    await page.keyboard.press('Enter')
    await page.waitForSelector('dialog.viewer[open]')
    const title = page.locator('dialog.viewer h2')
    expect(await title.textContent()).toBe(names[0])
    expect(await page.locator('dialog.viewer').getAttribute('aria-modal')).toBe('true')
    await page.keyboard.press('ArrowRight')
    await page.waitForFunction(name => document.querySelector('dialog.viewer h2')?.textContent === name, names[1])
    expect(await page.locator('dialog.viewer .facts').textContent()).toMatch(/\d+ × \d+/)
    await page.keyboard.press('ArrowLeft')
    await page.waitForFunction(name => document.querySelector('dialog.viewer h2')?.textContent === name, names[0])
    // Swipe left for the next photo, right for the previous one.
    const stage = (await page.locator('dialog.viewer .stage').boundingBox())!
    const swipe = async (dx: number) => {
      const y = stage.y + stage.height / 2
      await page.mouse.move(stage.x + stage.width / 2 - dx / 2, y)
      await page.mouse.down()
      await page.mouse.move(stage.x + stage.width / 2 + dx / 2, y, { steps: 4 })
      await page.mouse.up()
    }
    await swipe(-300)
    await page.waitForFunction(name => document.querySelector('dialog.viewer h2')?.textContent === name, names[1])
    await swipe(300)
    await page.waitForFunction(name => document.querySelector('dialog.viewer h2')?.textContent === name, names[0])
    await page.locator('dialog.viewer .viewer-panel').focus()
    // Tab stays inside the dialog.
    for (let i = 0; i < 6; i++) await page.keyboard.press('Tab')
    expect(await page.evaluate(() => !!document.activeElement?.closest('dialog.viewer'))).toBe(true)
    await page.keyboard.press('Escape')
    await page.waitForSelector('dialog.viewer', { state: 'detached' })
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-image-id'))).toBe(firstId)
  })

  it('deletes a photo after a confirmation given by keyboard, with focus on Cancel and Esc cancelling', async () => {
    const before = await listImages()
    const target = before[1]!
    await tiles().nth(1).focus()
    await page.keyboard.press('Enter')
    await page.waitForSelector('dialog.viewer[open]')
    await page.keyboard.press('Delete')
    await page.waitForSelector('dialog.confirm[open]')
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('取消')
    // Esc cancels the confirmation only; the viewer stays.
    await page.keyboard.press('Escape')
    await page.waitForSelector('dialog.confirm:not([open])', { state: 'attached' })
    expect(await page.locator('dialog.viewer[open]').count()).toBe(1)
    expect(await page.evaluate(() => document.activeElement?.closest('dialog')?.classList.contains('viewer'))).toBe(true)

    await page.keyboard.press('Delete')
    await page.waitForSelector('dialog.confirm[open]')
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.hasAttribute('data-confirm'))).toBe(true)
    await page.keyboard.press('Enter')
    await page.waitForSelector('.toast.success')
    expect(await page.locator('.toast.success').textContent()).toContain('已移到回收站')
    await page.waitForFunction(id => !document.querySelector(`.grid a[data-image-id="${id}"]`), target.id)
    // The viewer moves on to the next photo.
    expect(await page.locator('dialog.viewer h2').textContent()).toBe(before[2]!.filename)
    expect((await listImages()).map(i => i.id)).toEqual(before.filter(i => i.id !== target.id).map(i => i.id))
    await page.keyboard.press('Escape')
    await page.waitForSelector('dialog.viewer', { state: 'detached' })
  })

  it('puts a photo back and says why when the delete fails', async () => {
    const first = await tiles().first().getAttribute('data-image-id')
    await page.route(`**/api/images/delete/${first}`, route => route.fulfill({
      status: 503,
      contentType: 'application/json',
      body: JSON.stringify({ message: '服务暂时不可用，请稍后再试', code: 'SERVICE_UNAVAILABLE' }),
    }))
    await tiles().first().focus()
    await page.keyboard.press('Delete')
    await page.waitForSelector('dialog.confirm[open]')
    await page.click('[data-confirm]')
    await page.waitForSelector('.toast.error')
    expect(await page.locator('.toast.error').textContent()).toContain('服务暂时不可用')
    expect(await tiles().first().getAttribute('data-image-id')).toBe(first)
    await page.unroute(`**/api/images/delete/${first}`)
  })

  it('renders a signed-in user\'s photos on the server', async () => {
    const response = await page.goto(url('/'))
    const html = await response!.text()
    expect(html).toMatch(/<img[^>]+variant=thumb/)
    expect(html).toContain('data-image-id')
    expect(html).not.toContain('empty-title')
  })
})

describe('accessibility and themes', () => {
  it.each(['light', 'dark'] as const)('has no serious or critical axe violations in the gallery and the viewer (%s)', async (scheme) => {
    await page.emulateMedia({ colorScheme: scheme })
    await gotoApp(page, '/')
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.grid img')].every(i => i.complete))
    const gallery = await runAxe(page, `gallery ${scheme}`)
    await screenshot(page, `gallery-${scheme}`)
    await tiles().first().click()
    await page.waitForSelector('dialog.viewer .frame-full.loaded')
    const viewer = await runAxe(page, `viewer ${scheme}`)
    await screenshot(page, `viewer-${scheme}`)
    await page.keyboard.press('Escape')
    await page.waitForSelector('dialog.viewer', { state: 'detached' })
    expect([...gallery.severe, ...viewer.severe]).toEqual([])
  })
})

describe('weight', () => {
  it('loads less than 150 KB of gzipped JavaScript on a first visit of the gallery', async () => {
    const fresh = await newContext(browser, { token })
    const p = await fresh.newPage()
    const scripts = new Set<string>()
    p.on('response', (response) => {
      if (response.request().resourceType() === 'script') scripts.add(new URL(response.url()).pathname)
    })
    await p.goto(url('/'), { waitUntil: 'networkidle' })
    let raw = 0
    let gzip = 0
    for (const path of scripts) {
      const bytes = await readFile(join(inject('serverOutput'), 'public', path))
      raw += bytes.length
      gzip += gzipSync(bytes, { level: 9 }).length
    }
    console.log(`[weight] gallery first load: ${scripts.size} scripts, ${(raw / 1024).toFixed(1)} KB raw, ${(gzip / 1024).toFixed(1)} KB gzip`)
    expect(scripts.size).toBeGreaterThan(0)
    expect(gzip).toBeLessThan(150 * 1024)
    await screenshot(p, 'first-visit')
    await fresh.close()
  })
})

describe('paging', () => {
  // A second user with 85 photos: two full pages of 40 and 5 more. Made by the first test that needs it
  // (the test-utils context, which fetch() needs, exists only inside tests).
  let prepared: Promise<string> | undefined
  const userWith85Photos = () => prepared ??= (async () => {
    const { token } = await signUp()
    // A colour of its own per photo: the same bytes twice would be refused as a duplicate (SPEC §8).
    const colour = (n: number) => `#${(0x406080 + n * 0x010203).toString(16).slice(-6)}`
    for (let start = 0; start < 85; start += 17) {
      await Promise.all(Array.from({ length: 17 }, async (_, i) => upload(token, await makeImage('png', 60, 40, colour(start + i)), `p${start + i}.png`, 'image/png')))
    }
    return token
  })()

  it('loads older photos when scrolled to the end', async () => {
    const fresh = await newContext(browser, { token: await userWith85Photos() })
    const p = await fresh.newPage()
    await gotoApp(p, '/')
    expect(await tiles(p).count()).toBe(40)
    await p.mouse.wheel(0, 20_000)
    await p.waitForFunction(() => document.querySelectorAll('.grid a[data-image-id]').length === 80)
    await p.mouse.wheel(0, 20_000)
    await p.waitForFunction(() => document.querySelectorAll('.grid a[data-image-id]').length === 85)
    await p.waitForSelector('.end')
    expect(await p.locator('[data-load-more]').count()).toBe(0)
    await screenshot(p, 'infinite-scroll')
    await fresh.close()
  })

  it('offers a "load more" button where IntersectionObserver is missing, and pages on past a photo deleted elsewhere', async () => {
    const owner = await userWith85Photos()
    const fresh = await newContext(browser, { token: owner })
    const p = await fresh.newPage()
    await p.addInitScript(() => { delete (window as { IntersectionObserver?: unknown }).IntersectionObserver })
    await gotoApp(p, '/')
    expect(await tiles(p).count()).toBe(40)
    // The oldest photo shown (the paging cursor) is deleted in another tab.
    const oldest = await tiles(p).last().getAttribute('data-image-id')
    expect((await fetch(`/api/images/delete/${oldest}`, { method: 'DELETE', headers: bearer(owner) })).status).toBe(200)
    await p.click('[data-load-more]')
    await p.waitForFunction(() => document.querySelectorAll('.grid a[data-image-id]').length === 79)
    expect(await p.locator('.load-error').count()).toBe(0)
    await p.click('[data-load-more]')
    await p.waitForFunction(() => document.querySelectorAll('.grid a[data-image-id]').length === 84)
    await p.waitForSelector('[data-load-more]', { state: 'detached' })
    await screenshot(p, 'load-more-button')
    await fresh.close()
  })
})
