import { fetch, url } from '@nuxt/test-utils/e2e'
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, signUp, upload } from '../setup/api'
import { startServer } from '../setup/server'
import { gotoApp, launchBrowser, newContext, runAxe, scenicImage, screenshot, watchProblems } from './browser'

await startServer()

interface ImageJson { id: number, filename: string, favorite: boolean, taken_at: string | null }

/** A landscape JPEG whose EXIF says when (and with what) it was taken. */
async function photoTaken(seed: number, when: string, camera?: { body: Record<string, string>, exif: Record<string, string> }): Promise<Buffer> {
  const base = await scenicImage(seed, 900 + seed * 10, 600)
  return sharp(base).withExif({ ...(camera ? { IFD0: camera.body } : {}), IFD2: { DateTimeOriginal: when, ...camera?.exif } }).jpeg().toBuffer()
}

const CAMERA = {
  body: { Make: 'FUJIFILM', Model: 'X-T4' },
  exif: { LensModel: 'XF35mmF1.4 R', FNumber: '28/10', ExposureTime: '1/250', ISOSpeedRatings: '200', FocalLength: '35/1' },
}

/** A user with six photos: three taken in April 2023 and December 2021 (EXIF), three without a date (uploaded now). */
async function userWithPhotos() {
  const { token } = await signUp()
  const files: Array<[string, Buffer, string]> = [
    ['winter-market.jpg', await photoTaken(3, '2021:12:24 18:30:00', CAMERA), 'image/jpeg'],
    ['lake-evening.jpg', await photoTaken(2, '2023:04:20 19:00:00'), 'image/jpeg'],
    ['lake-morning.jpg', await photoTaken(1, '2023:04:05 06:07:08'), 'image/jpeg'],
    ['forest.png', await scenicImage(4, 700, 900, 'png'), 'image/png'],
    ['beach-1.png', await scenicImage(5, 1000, 650, 'png'), 'image/png'],
    ['beach-2.png', await scenicImage(0, 800, 800, 'png'), 'image/png'],
  ]
  // One after the other: the upload order is the "date uploaded" order.
  for (const [name, bytes, type] of files) {
    const res = await upload(token, bytes, name, type)
    expect(res.status, name).toBe(201)
  }
  return token
}

async function api<T>(token: string, path: string): Promise<T> {
  const res = await fetch(path, { headers: bearer(token) })
  expect(res.status, path).toBe(200)
  return await res.json() as T
}

const tiles = (p: Page) => p.locator('.grid a[data-image-id]')
const tileNames = (p: Page) => tiles(p).locator('img').evaluateAll(imgs => imgs.map(i => i.getAttribute('alt')))
const waitForTiles = (p: Page, n: number) => p.waitForFunction(count => document.querySelectorAll('.grid a[data-image-id]').length === count, n)
/** The trash page is there (the gallery stays on screen until the trash's first page has arrived). */
const waitForTrash = (p: Page, n: number) => p.waitForFunction(count => document.querySelectorAll('.grid [data-deleted-at]').length === count, n)
const byNumber = (a: number, b: number) => a - b

/** Nothing sticks out sideways: the page is no wider than the viewport. */
async function expectNoOverflow(p: Page, label: string) {
  const { scroll, inner } = await p.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }))
  expect(scroll, `${label}: scrollWidth ${scroll} > innerWidth ${inner}`).toBeLessThanOrEqual(inner)
}

/** A finger held on the element for 0.7 s (Chromium's touch emulation, through the DevTools protocol). */
async function longPress(p: Page, selector: string) {
  const box = (await p.locator(selector).boundingBox())! // the tile is on the page: the caller waited for it
  const point = { x: box.x + box.width / 2, y: box.y + box.height / 2 }
  const cdp = await p.context().newCDPSession(p)
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point] })
  await p.waitForTimeout(700)
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] })
  await cdp.detach()
}

const DEVICES: Array<{ name: string, phone: boolean, options: BrowserContextOptions }> = [
  { name: 'desktop', phone: false, options: { viewport: { width: 1280, height: 800 } } },
  { name: 'phone', phone: true, options: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 } },
]

let browser: Browser
/**
 * Per device, a user with the six photos and a browser profile signed in as them. Made before any test:
 * test-utils' fetch and url need its context, which exists only until the first describe block ends.
 */
const sessions = new Map<string, { token: string, context: BrowserContext }>()
beforeAll(async () => {
  browser = await launchBrowser()
  for (const { name, options } of DEVICES) {
    const token = await userWithPhotos()
    sessions.set(name, { token, context: await newContext(browser, { token, ...options }) })
  }
})
afterAll(async () => {
  await browser?.close()
})

describe.each(DEVICES)('organizing photos ($name)', ({ name, phone }) => {
  let context: BrowserContext
  let page: Page
  let token: string
  const problems: string[] = []
  const shot = (label: string) => screenshot(page, `organize-${name}-${label}`)
  /** Taps on a touch screen, clicks elsewhere. */
  const press = (selector: string) => (phone ? page.tap(selector) : page.click(selector))

  beforeAll(async () => {
    ;({ token, context } = sessions.get(name)!) // made for every device in the file's beforeAll, which runs first
    page = await context.newPage()
    watchProblems(page, problems)
  })

  afterAll(async () => {
    await context?.close()
    expect(problems).toEqual([])
  })

  it('groups the timeline under months of capture, newest first, and by upload date on request', async () => {
    await gotoApp(page, '/')
    await waitForTiles(page, 6)
    const months = await page.locator('.timeline h2.month').allTextContents()
    expect(months.slice(1)).toEqual(['2023年4月', '2021年12月'])
    expect(await tileNames(page)).toEqual(['beach-2', 'beach-1', 'forest', 'lake-evening', 'lake-morning', 'winter-market'])
    await expectNoOverflow(page, 'gallery')
    await shot('timeline')

    await press('[data-sort="uploaded"]')
    await page.waitForFunction(() => document.querySelectorAll('.timeline h2.month').length === 1)
    // The heading can change before the list in upload order has arrived: wait for the order itself.
    await expect.poll(() => tileNames(page), { timeout: 10_000 }).toEqual(['beach-2', 'beach-1', 'forest', 'lake-morning', 'lake-evening', 'winter-market'])
    expect(await page.getAttribute('[data-sort="uploaded"]', 'aria-pressed')).toBe('true')
    await press('[data-sort="taken"]')
    await page.waitForFunction(() => document.querySelectorAll('.timeline h2.month').length === 3)

    if (!phone) {
      // The same headings in English.
      await page.click('.lang-option[lang="en-US"]')
      await page.waitForFunction(() => document.querySelector('.timeline h2.month:nth-of-type(1)') && [...document.querySelectorAll('.timeline h2.month')].some(h => h.textContent?.trim() === 'April 2023'))
      expect((await page.locator('.timeline h2.month').allTextContents()).slice(1)).toEqual(['April 2023', 'December 2021'])
      await shot('timeline-en')
      await page.click('.lang-option[lang="zh-CN"]')
      await page.waitForFunction(() => [...document.querySelectorAll('.timeline h2.month')].some(h => h.textContent?.trim() === '2023年4月'))
    }
  })

  it('narrows the grid to names that match the search, and shows everything again when cleared', async () => {
    await page.fill('[data-search]', 'BEACH')
    await waitForTiles(page, 2)
    expect(await tileNames(page)).toEqual(['beach-2', 'beach-1'])
    expect(await page.textContent('[data-count]')).toContain('找到 2 张照片')
    await shot('search')
    await page.fill('[data-search]', 'nothing-like-this')
    await page.waitForSelector('[data-no-match]')
    expect(await page.textContent('[data-no-match]')).toContain('nothing-like-this')
    await press('[data-search-clear]')
    await waitForTiles(page, 6)
  })

  it('marks a favourite from its tile, filters to favourites, and keeps it after a reload', async () => {
    const forest = page.locator('.tile', { has: page.locator('img[alt="forest"]') })
    if (!phone) await forest.hover()
    await forest.locator('[data-favorite]').click()
    await page.waitForFunction(() => document.querySelector('.tile:has(img[alt="forest"]) [data-favorite]')?.getAttribute('aria-pressed') === 'true')
    await expect.poll(async () => (await api<ImageJson[]>(token, '/api/images')).find(i => i.filename === 'forest.png')?.favorite).toBe(true)
    await press('[data-filter-favorites]')
    await waitForTiles(page, 1)
    expect(await tileNames(page)).toEqual(['forest'])
    expect(await page.getAttribute('[data-filter-favorites]', 'aria-pressed')).toBe('true')
    await shot('favourites')
    await press('[data-filter-favorites]')
    await waitForTiles(page, 6)
    await gotoApp(page, '/')
    expect(await page.getAttribute('.tile:has(img[alt="forest"]) [data-favorite]', 'aria-pressed')).toBe('true')
  })

  it('selects a range, favourites it in bulk, and moves it to the trash', async () => {
    const ids = (await tiles(page).evaluateAll(links => links.map(a => Number(a.getAttribute('data-image-id')))))
    const range = ids.slice(1, 4) // beach-1, forest, lake-evening
    if (phone) {
      // A long press starts select mode with that photo; taps add the others.
      await longPress(page, `[data-image-id="${range[0]}"]`)
      await page.waitForSelector('[data-selection-bar]')
      await page.tap(`[data-image-id="${range[1]}"]`)
      await page.tap(`[data-image-id="${range[2]}"]`)
    }
    else {
      await page.click('[data-select-mode]')
      await page.waitForSelector('[data-selection-bar]')
      await page.click(`[data-image-id="${range[0]}"]`)
      await page.click(`[data-image-id="${range[2]}"]`, { modifiers: ['Shift'] })
    }
    await page.waitForFunction(() => document.querySelectorAll('[aria-selected="true"]').length === 3)
    expect(await page.locator('[aria-selected="true"]').evaluateAll(els => els.map(e => Number(e.getAttribute('data-image-id'))))).toEqual(range)
    expect(await page.textContent('[data-selection-count]')).toContain('已选择 3 张')
    expect(await page.locator('.grid[role="listbox"]').count()).toBeGreaterThan(0)
    await expectNoOverflow(page, 'selection')
    await shot('selection')

    await press('[data-bulk="favorite"]')
    await expect.poll(async () => (await api<ImageJson[]>(token, '/api/images')).filter(i => range.includes(i.id)).every(i => i.favorite)).toBe(true)
    await page.waitForFunction(() => document.querySelector('[data-bulk="favorite"]')?.getAttribute('aria-pressed') === 'true')

    await press('[data-bulk="trash"]')
    await page.waitForSelector('dialog.confirm[open]')
    expect(await page.textContent('dialog.confirm h2')).toContain('3')
    await press('[data-confirm]')
    await page.waitForSelector('.toast.success >> text=已将 3 张照片移到回收站')
    await waitForTiles(page, 3)
    await page.waitForSelector('[data-selection-bar]', { state: 'detached' })
    expect((await api<ImageJson[]>(token, '/api/images')).map(i => i.id)).toEqual(ids.filter(id => !range.includes(id)))

    await press('[data-nav="trash"]')
    await page.waitForURL(url('/trash'))
    await waitForTrash(page, 3)
    expect((await tiles(page).evaluateAll(links => links.map(a => Number(a.getAttribute('data-image-id'))))).sort(byNumber)).toEqual([...range].sort(byNumber))
    expect(await page.locator('[data-deleted-at]').first().textContent()).toContain('删除于')
    await expectNoOverflow(page, 'trash')
    await shot('trash')
  })

  it('restores a photo from the trash to the gallery', async () => {
    const first = Number(await tiles(page).first().getAttribute('data-image-id'))
    await press(`[data-image-id="${first}"]`)
    await page.waitForSelector('[data-selection-bar]')
    expect(await page.getAttribute(`[data-image-id="${first}"]`, 'aria-selected')).toBe('true')
    await press('[data-trash-restore]')
    await page.waitForSelector('.toast.success >> text=已恢复 1 张照片')
    await waitForTrash(page, 2)
    await press('[data-nav="photos"]')
    await page.waitForURL(url('/'))
    await waitForTiles(page, 4)
    expect(await page.locator(`[data-image-id="${first}"]`).count()).toBe(1)
  })

  it('empties the trash after a confirmation', async () => {
    await press('[data-nav="trash"]')
    await waitForTrash(page, 2)
    await press('[data-trash-empty]')
    await page.waitForSelector('dialog.confirm[open]')
    await press('[data-confirm]')
    await page.waitForSelector('[data-trash-emptystate]')
    expect(await api<unknown[]>(token, '/api/trash')).toEqual([])
    await expectNoOverflow(page, 'empty trash')
    await shot('trash-empty')
  })

  it('shows a photo\'s details and renames it in the info panel, with the API\'s rule checked first', async () => {
    await gotoApp(page, '/')
    const winter = (await api<ImageJson[]>(token, '/api/images')).find(i => i.filename === 'winter-market.jpg')! // uploaded in beforeAll, never trashed
    await press(`[data-image-id="${winter.id}"]`)
    await page.waitForSelector('dialog.viewer[open]')
    if (await page.getAttribute('[data-viewer-info]', 'aria-expanded') !== 'true') await press('[data-viewer-info]')
    await page.waitForSelector('[data-info-panel]', { state: 'visible' })
    const facts = await page.locator('[data-info-panel] dl').textContent()
    for (const fact of ['2021年12月24日', 'FUJIFILM X-T4', 'XF35mmF1.4 R', '35 mm', 'f/2.8', '1/250 s', 'ISO 200']) expect(facts).toContain(fact)
    expect(await page.locator('[data-fact="size"] dd').textContent()).toMatch(/\d/)
    await expectNoOverflow(page, 'viewer')
    await shot('info-panel')

    await press('[data-rename]')
    await page.fill('[data-rename-input]', '   ')
    await press('[data-rename-save]')
    expect(await page.textContent('[data-rename-error]')).toContain('请输入文件名')
    await page.fill('[data-rename-input]', `${'x'.repeat(252)}.jpg`)
    await press('[data-rename-save]')
    expect(await page.textContent('[data-rename-error]')).toContain('255')
    // Arrow keys and Delete belong to the field while typing: the viewer stays on this photo.
    await page.fill('[data-rename-input]', 'Christmas market.jpg')
    await page.press('[data-rename-input]', 'ArrowLeft')
    await page.press('[data-rename-input]', 'Delete')
    await page.fill('[data-rename-input]', 'Christmas market.jpg')
    await press('[data-rename-save]')
    await page.waitForFunction(() => document.querySelector('[data-info-name]')?.textContent?.trim() === 'Christmas market.jpg')
    expect(await page.textContent('dialog.viewer h2')).toBe('Christmas market.jpg')
    expect((await api<ImageJson[]>(token, '/api/images')).find(i => i.id === winter.id)?.filename).toBe('Christmas market.jpg')

    // The heart in the viewer.
    await press('dialog.viewer .bar [data-favorite]')
    await expect.poll(async () => (await api<ImageJson[]>(token, '/api/images')).find(i => i.id === winter.id)?.favorite).toBe(true)
    await page.keyboard.press('Escape')
    await page.waitForSelector('dialog.viewer', { state: 'detached' })
  })

  // Defined only where it applies (no skipped tests): keyboards on the desktop, 390 px on the phone.
  if (!phone) it('selects with the keyboard: Space toggles the focused photo, Esc clears', async () => {
    await tiles(page).first().focus()
    await page.keyboard.press('Space')
    await page.waitForSelector('[data-selection-bar]')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Space')
    await page.waitForFunction(() => document.querySelectorAll('[aria-selected="true"]').length === 2)
    await page.keyboard.press('Enter') // toggles again in select mode
    await page.waitForFunction(() => document.querySelectorAll('[aria-selected="true"]').length === 1)
    await page.keyboard.press('Escape')
    await page.waitForSelector('[data-selection-bar]', { state: 'detached' })
    expect(await page.locator('[aria-selected]').count()).toBe(0)
  })

  if (phone) it('fits every page into 390 px without sideways scrolling', async () => {
    for (const path of ['/', '/trash', '/albums']) {
      await gotoApp(page, path)
      await expectNoOverflow(page, path)
    }
    await gotoApp(page, '/')
    await screenshot(page, 'organize-phone-header')
  })

  if (!phone) it.each(['light', 'dark'] as const)('has no serious or critical axe violations in select mode and the trash (%s)', async (scheme) => {
    await page.emulateMedia({ colorScheme: scheme })
    await gotoApp(page, '/')
    await page.click('[data-select-mode]')
    await page.click('.grid a[data-image-id] >> nth=0')
    const gallery = await runAxe(page, `select mode ${scheme}`)
    await shot(`select-${scheme}`)
    await page.keyboard.press('Escape')
    await gotoApp(page, '/trash')
    const trash = await runAxe(page, `trash ${scheme}`)
    expect([...gallery.severe, ...trash.severe]).toEqual([])
  })
})
