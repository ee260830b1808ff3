import { fetch, url } from '@nuxt/test-utils/e2e'
import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { ImageDto } from '#shared/contracts/images'
import type { ShareDto } from '#shared/contracts/shares'
import { bearer, signUp, upload } from '../setup/api'
import { startServer } from '../setup/server'
import { gotoApp, hydrated, launchBrowser, newContext, scenicImage, screenshot, VIEWPORT, watchProblems } from './browser'

// Share links in the browser (SPEC §9): the owner makes one from an album (and from a photo), a
// stranger opens it in a fresh browser without an account — password, grid, viewer with deep links,
// download — and the owner sees its views and revokes it.

await startServer()

let browser: Browser
beforeAll(async () => {
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
})

const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }
const DESKTOP: BrowserContextOptions = { viewport: VIEWPORT }
const SHARE_PASSWORD = 'holiday snaps'

const overflowsSideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth)

async function api<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, { method, headers: { ...bearer(token), ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) })
  expect(res.status, await res.clone().text()).toBeLessThan(300)
  return res.json() as Promise<T>
}

describe.each([
  { device: 'desktop', options: DESKTOP },
  { device: 'phone', options: PHONE },
])('share links on $device', ({ device, options }) => {
  const phone = device === 'phone'
  const press = (target: Locator) => (phone ? target.tap() : target.click())
  let owner: { username: string, token: string }
  let photos: ImageDto[] = []
  let albumId = 0
  let ownerContext: BrowserContext
  let ownerPage: Page
  let strangerContext: BrowserContext
  let stranger: Page
  let link = ''
  const problems: string[] = []

  // In beforeEach, memoized: @nuxt/test-utils' context (which fetch() needs) is set for each test only,
  // so a second describe block's beforeAll would have none.
  let prepared: Promise<void> | undefined
  beforeEach(() => prepared ??= prepare())
  async function prepare() {
    owner = await signUp()
    photos = []
    for (let i = 0; i < 3; i++) {
      const res = await upload(owner.token, await scenicImage(i + (phone ? 10 : 0), 1200, 800), `trip-${i}.jpg`, 'image/jpeg')
      expect(res.status).toBe(201)
      photos.push((await res.json()).image)
    }
    const album = await api<{ id: number }>(owner.token, 'POST', '/api/albums', { title: 'Summer trip' })
    albumId = album.id
    await api(owner.token, 'POST', `/api/albums/${albumId}/images`, { image_ids: photos.map(p => p.id) })
    ownerContext = await newContext(browser, { ...options, token: owner.token, locale: 'en-US' })
    ownerPage = await ownerContext.newPage()
    watchProblems(ownerPage, problems)
    // A fresh browser profile with no account at all.
    strangerContext = await newContext(browser, { ...options, locale: 'en-US' })
    stranger = await strangerContext.newPage()
    watchProblems(stranger, problems)
    for (const page of [ownerPage, stranger]) {
      page.on('response', (res) => {
        if (res.status() >= 500) problems.push(`${res.status()} ${res.url()}`)
      })
    }
  }
  afterAll(async () => {
    await ownerContext?.close()
    await strangerContext?.close()
  })

  it('the owner makes a link to an album: 1 day, a password, downloads on, and copies it', async () => {
    await gotoApp(ownerPage, `/albums/${albumId}`)
    await press(ownerPage.locator('[data-share-album]'))
    const dialog = ownerPage.getByTestId('share-dialog')
    await dialog.waitFor()
    await press(dialog.getByText('1 day'))
    await press(dialog.getByTestId('share-use-password'))
    await dialog.getByTestId('share-password').fill('short')
    expect(await dialog.getByTestId('share-create').isDisabled()).toBe(true)
    await dialog.getByTestId('share-password').fill(SHARE_PASSWORD)
    await press(dialog.getByTestId('share-allow-download'))
    expect(await overflowsSideways(ownerPage)).toBe(false)
    await press(dialog.getByTestId('share-create'))
    const linkInput = dialog.getByTestId('share-link')
    await linkInput.waitFor()
    link = await linkInput.inputValue()
    // The QR code of the link is drawn in the page (an SVG data URL: no request, nothing blocked by the CSP).
    await ownerPage.waitForFunction(() => ((document.querySelector('[data-testid="share-qr"]') as HTMLImageElement | null)?.naturalWidth ?? 0) > 0)
    expect(await dialog.getByTestId('share-qr').getAttribute('src')).toMatch(/^data:image\/svg\+xml/)
    expect(link).toMatch(new RegExp(`^${url('/s/').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\w-]{43}$`))
    await screenshot(ownerPage, `shares-${device}-dialog`)
    await press(dialog.getByTestId('share-done'))
    await dialog.waitFor({ state: 'detached' })
    const [made] = await api<ShareDto[]>(owner.token, 'GET', '/api/shares')
    expect(made).toMatchObject({ url: link, has_password: true, allow_download: true, target: { kind: 'album', id: albumId } })
    expect(Math.abs(Date.parse(made!.expires_at) - Date.now() - 86_400_000)).toBeLessThan(120_000)
  })

  it('a stranger without an account gets the password form, server-rendered without the signed-in chrome', async () => {
    const response = await stranger.goto(link)
    expect(response?.status()).toBe(200)
    const headers = response?.headers() ?? {}
    expect(headers['x-robots-tag']).toBe('noindex')
    expect(headers['referrer-policy']).toBe('no-referrer')
    expect(headers['cache-control']).toBe('private, no-store')
    await hydrated(stranger)
    expect(await stranger.locator('meta[name="robots"]').getAttribute('content')).toMatch(/noindex/)
    await stranger.getByTestId('share-password-form').waitFor()
    expect(await stranger.locator('.app-header').count()).toBe(0)
    expect(await stranger.content()).not.toContain(owner.username)
    expect(await overflowsSideways(stranger)).toBe(false)
    await screenshot(stranger, `shares-${device}-locked`)
  })

  it('opens with the password: title, expiry, the grid, the viewer with deep links and a download', async () => {
    await stranger.locator('#share-password').fill(SHARE_PASSWORD)
    await press(stranger.getByRole('button', { name: 'Open' }))
    await stranger.getByTestId('share-view').waitFor()
    expect(await stranger.getByTestId('share-title').textContent()).toContain('Summer trip')
    expect(await stranger.getByTestId('share-expiry').textContent()).toMatch(/expires/i)
    const tiles = stranger.getByTestId('share-tile')
    expect(await tiles.count()).toBe(3)
    expect(await overflowsSideways(stranger)).toBe(false)
    await screenshot(stranger, `shares-${device}-grid`)

    await press(tiles.first())
    const preview = stranger.getByTestId('share-preview')
    await preview.waitFor()
    await stranger.waitForFunction(() => (document.querySelector('[data-testid="share-preview"]') as HTMLImageElement | null)?.naturalWidth)
    const newest = photos.at(-1)!.id
    expect(new URL(stranger.url()).searchParams.get('photo')).toBe(String(newest))
    const download = stranger.getByTestId('share-download')
    expect(await download.getAttribute('href')).toMatch(new RegExp(`/images/${newest}/file\\?variant=original$`))
    await screenshot(stranger, `shares-${device}-viewer`)
    await press(stranger.getByTestId('share-next'))
    await stranger.waitForURL(u => new URL(u).searchParams.get('photo') === String(photos.at(-2)!.id))

    // A deep link opens that photo, also after a reload.
    await stranger.reload()
    await hydrated(stranger)
    await preview.waitFor()
    expect(await stranger.locator('.position').textContent()).toContain('2 / 3')
    await press(stranger.getByTestId('share-close'))
    await stranger.waitForURL(u => !new URL(u).searchParams.has('photo'))
    // The address changes first (history.back), the page follows once the route has updated.
    await preview.waitFor({ state: 'detached', timeout: 5000 })
    expect(await preview.count()).toBe(0)
  })

  it('the owner sees the view on the Shared links page and revokes the link; the stranger\'s page ends at once', async () => {
    await gotoApp(ownerPage, '/albums')
    await press(ownerPage.locator('.app-header [data-nav="shares"]'))
    await ownerPage.waitForURL(u => new URL(u).pathname === '/shares')
    const row = ownerPage.locator('[data-share]').first()
    await row.waitFor()
    expect(await row.locator('[data-share-views]').textContent()).toMatch(/[1-9]\d* views?/)
    expect(await overflowsSideways(ownerPage)).toBe(false)
    await screenshot(ownerPage, `shares-${device}-list`)
    await press(row.locator('[data-share-revoke]'))
    await press(ownerPage.locator('dialog.confirm .btn-danger'))
    await ownerPage.waitForFunction(() => document.querySelector('[data-share-status]')?.textContent?.includes('Ended'))

    await stranger.reload()
    await hydrated(stranger)
    await stranger.getByTestId('share-unavailable').waitFor()
    expect(await stranger.getByTestId('share-unavailable').textContent()).toMatch(/not available/i)
  })

  if (!phone) {
    it('shares one photo from the viewer: the stranger sees it with a download button', async () => {
      await gotoApp(ownerPage, '/')
      await ownerPage.locator(`.grid a[data-image-id="${photos[0]!.id}"]`).click()
      await ownerPage.locator('[data-viewer-share]').click()
      const dialog = ownerPage.getByTestId('share-dialog')
      await dialog.waitFor()
      await dialog.getByTestId('share-allow-download').click()
      await dialog.getByTestId('share-create').click()
      await dialog.getByTestId('share-link').waitFor()
      const photoLink = await dialog.getByTestId('share-link').inputValue()
      const fresh = await newContext(browser, { ...options, locale: 'en-US' })
      const page = await fresh.newPage()
      watchProblems(page, problems)
      await page.goto(photoLink)
      await hydrated(page)
      expect(await page.getByTestId('share-title').textContent()).toContain('trip-0.jpg')
      expect(await page.getByTestId('share-download-single').getAttribute('href')).toMatch(/variant=original$/)
      await fresh.close()
    })
  }

  if (!phone) {
    it('shares a selection: it becomes an album of its own, and the link shows exactly those photos', async () => {
      await gotoApp(ownerPage, '/')
      await ownerPage.click('[data-select-mode]')
      await ownerPage.waitForSelector('[data-selection-bar]')
      const chosen = [photos[0]!.id, photos[2]!.id]
      for (const id of chosen) await ownerPage.click(`.grid [data-image-id="${id}"]`)
      await ownerPage.waitForFunction(() => document.querySelectorAll('[aria-selected="true"]').length === 2)
      await ownerPage.click('[data-bulk="share"]')
      const dialog = ownerPage.getByTestId('share-dialog')
      await dialog.waitFor()
      await dialog.getByTestId('share-create').click()
      await dialog.getByTestId('share-link').waitFor()
      const selectionLink = await dialog.getByTestId('share-link').inputValue()
      const token = selectionLink.split('/s/')[1]!
      const view = await (await fetch(`/api/s/${token}`)).json() as { kind: string, images: Array<{ id: number }> }
      expect(view.kind).toBe('album')
      expect(view.images.map(i => i.id).sort((a, b) => a - b)).toEqual([...chosen].sort((a, b) => a - b))
      await dialog.getByTestId('share-done').click()
    })
  }

  it('the Shared links page opened by its address (a reload) renders the owner\'s links on the server and stays signed in', async () => {
    await gotoApp(ownerPage, '/shares')
    expect(new URL(ownerPage.url()).pathname).toBe('/shares')
    await ownerPage.locator('[data-share]').first().waitFor()
    await ownerPage.reload()
    await hydrated(ownerPage)
    expect(new URL(ownerPage.url()).pathname).toBe('/shares')
    expect(await ownerPage.locator('[data-share]').count()).toBeGreaterThan(0)
  })

  it('had no page errors or console errors', () => {
    expect(problems).toEqual([])
  })
})
