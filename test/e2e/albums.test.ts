import { fetch, url } from '@nuxt/test-utils/e2e'
import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { AlbumDto } from '#shared/contracts/albums'
import type { ImageDto } from '#shared/contracts/images'
import { bearer, signUp, upload } from '../setup/api'
import { startServer } from '../setup/server'
import { gotoApp, launchBrowser, newContext, runAxe, scenicImage, screenshot, VIEWPORT, watchProblems } from './browser'

await startServer()

let browser: Browser

beforeAll(async () => {
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
})

/** A call to the API as `token`; resolves status and parsed JSON (null without a body). */
async function api<T>(token: string, method: string, path: string, body?: unknown): Promise<{ status: number, data: T }> {
  const res = await fetch(path, {
    method,
    headers: { ...bearer(token), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, data: (text ? JSON.parse(text) : null) as T }
}

const listAlbums = async (token: string) => (await api<AlbumDto[]>(token, 'GET', '/api/albums')).data
const albumImages = async (token: string, id: number) => (await api<ImageDto[]>(token, 'GET', `/api/albums/${id}/images`)).data
const galleryImages = async (token: string) => (await api<ImageDto[]>(token, 'GET', '/api/images?limit=100')).data

/** True when the page is wider than the window (something sticks out sideways). */
const overflowsSideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth)

const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }
const DESKTOP: BrowserContextOptions = { viewport: VIEWPORT }

describe.each([
  { device: 'desktop', options: DESKTOP },
  { device: 'phone', options: PHONE },
])('albums on $device', ({ device, options }) => {
  const phone = device === 'phone'
  let context: BrowserContext
  let page: Page
  let token: string
  /** Uncaught exceptions and console errors of the page: none allowed. */
  const problems: string[] = []
  /** The user's photos, newest first. */
  let photos: ImageDto[] = []
  let albumId = 0

  /** A tap on a phone, a click elsewhere. */
  const press = (target: Locator) => (phone ? target.tap() : target.click())
  const shot = (name: string) => screenshot(page, `albums-${device}-${name}`)
  const tiles = () => page.locator('.grid a[data-image-id]')
  const tileIds = async () => (await tiles().evaluateAll(links => links.map(a => Number(a.getAttribute('data-image-id')))))
  async function noSidewaysOverflow(where: string) {
    expect(await overflowsSideways(page), `${where} is wider than the ${device} screen`).toBe(false)
  }

  // In beforeEach, memoized: @nuxt/test-utils' context (which fetch() needs) is set for each test only,
  // so a second describe block's beforeAll would have none.
  let prepared: Promise<void> | undefined
  beforeEach(() => prepared ??= prepare())
  async function prepare() {
    ;({ token } = await signUp())
    const specs: Array<[string, number, number, number]> = [['晨雾.jpg', 1, 1400, 933], ['harbour-lights.jpg', 2, 1200, 800], ['sunflower.jpg', 3, 900, 1200], ['潮汐.jpg', 4, 1600, 900]]
    for (const [name, seed, w, h] of specs) {
      const res = await upload(token, await scenicImage(seed, w, h), name, 'image/jpeg')
      expect(res.status).toBe(201)
    }
    photos = await galleryImages(token)
    context = await newContext(browser, { token, ...options })
    page = await context.newPage()
    watchProblems(page, problems)
  }

  afterAll(async () => {
    await context?.close()
    expect(problems).toEqual([])
  })

  it('creates an album on the albums page, checking the title as the API does', async () => {
    await gotoApp(page, '/albums')
    await page.waitForSelector('[data-albums-empty]')
    await noSidewaysOverflow('the empty albums page')
    await shot('empty')
    // The header's section link leads here and says it is the current page.
    expect(await page.locator('[data-nav="albums"]').getAttribute('aria-current')).toBe('page')

    await press(page.locator('[data-new-album]'))
    const title = page.locator('[data-album-form] [data-album-title]')
    expect(await page.evaluate(() => document.activeElement?.hasAttribute('data-album-title'))).toBe(true)
    // Blank (after trimming) and 101 characters are refused before anything is sent.
    await title.fill('   ')
    await press(page.locator('[data-album-form] [data-album-submit]'))
    expect(await title.getAttribute('aria-invalid')).toBe('true')
    expect(await page.locator('[data-album-form] [data-title-message]').textContent()).toContain('请为相册取个标题')
    await title.fill('长'.repeat(101))
    await press(page.locator('[data-album-form] [data-album-submit]'))
    expect(await page.locator('[data-album-form] [data-title-message]').textContent()).toContain('最多 100 个字符')
    await noSidewaysOverflow('the create form')
    await shot('create-form')
    expect(await listAlbums(token)).toEqual([])

    await title.fill('  海边的夏天  ')
    await page.locator('[data-album-form] [data-album-description]').fill('二〇二四年七月')
    await press(page.locator('[data-album-form] [data-album-submit]'))
    await page.waitForSelector('.toast.success')
    expect(await page.locator('.toast.success').last().textContent()).toContain('已创建相册「海边的夏天」')
    const card = page.locator('[data-albums] a[data-album-id]')
    await card.first().waitFor()
    expect(await card.count()).toBe(1)
    expect(await card.locator('[data-album-title]').textContent()).toBe('海边的夏天')
    expect(await card.locator('[data-album-count]').textContent()).toBe('0 张照片')
    expect(await card.locator('[data-album-no-cover]').count()).toBe(1)
    // Focus lands on the new album.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-album-id'))).toBe(await card.getAttribute('data-album-id'))

    const [album] = await listAlbums(token)
    expect(album).toMatchObject({ title: '海边的夏天', description: '二〇二四年七月', image_count: 0, cover_thumbnail_url: null })
    albumId = album!.id
  })

  it('shows the count and the cover of an album once photos are in it', async () => {
    // Oldest first, so the newest upload is the one added last (the automatic cover).
    const added = await api<{ count: number }>(token, 'POST', `/api/albums/${albumId}/images`, { image_ids: photos.slice(0, 3).map(p => p.id).reverse() })
    expect(added).toEqual({ status: 200, data: { count: 3 } })
    await gotoApp(page, '/albums')
    const card = page.locator(`[data-albums] a[data-album-id="${albumId}"]`)
    expect(await card.locator('[data-album-count]').textContent()).toBe('3 张照片')
    const [album] = await listAlbums(token)
    expect(album!.cover_thumbnail_url).not.toBeNull()
    const cover = card.locator('img[data-album-cover]')
    expect(await cover.getAttribute('src')).toBe(album!.cover_thumbnail_url)
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('img[data-album-cover]')].every(i => i.complete && i.naturalWidth > 0))
    await noSidewaysOverflow('the albums page')
    await shot('list')
  })

  it('opens the album with its photos, and renames it and its description', async () => {
    await press(page.locator(`[data-albums] a[data-album-id="${albumId}"]`))
    await page.waitForURL(url(`/albums/${albumId}`))
    await page.waitForSelector('.grid a[data-image-id]')
    expect(await page.locator('[data-album-heading]').textContent()).toContain('海边的夏天')
    expect(await page.locator('[data-album-description]').textContent()).toContain('二〇二四年七月')
    expect(await tileIds()).toEqual((await albumImages(token, albumId)).map(i => i.id))
    expect(await tiles().count()).toBe(3)
    expect(await page.locator('[data-nav="albums"]').getAttribute('aria-current')).toBe('page')

    await press(page.locator('[data-edit-album]'))
    const title = page.locator('[data-album-form] [data-album-title]')
    expect(await title.inputValue()).toBe('海边的夏天')
    await title.fill('')
    await press(page.locator('[data-album-form] [data-album-submit]'))
    expect(await title.getAttribute('aria-invalid')).toBe('true')
    await title.fill('海边 · 2024')
    await page.locator('[data-album-form] [data-album-description]').fill('七月\n八月')
    await noSidewaysOverflow('the edit form')
    await press(page.locator('[data-album-form] [data-album-submit]'))
    await page.waitForSelector('[data-album-form]', { state: 'detached' })
    expect(await page.locator('[data-album-heading]').textContent()).toContain('海边 · 2024')
    expect(await page.locator('[data-album-description]').innerText()).toBe('七月\n八月')
    // Focus goes back to the button that opened the form.
    expect(await page.evaluate(() => document.activeElement?.hasAttribute('data-edit-album'))).toBe(true)
    const { data: album } = await api<AlbumDto>(token, 'GET', `/api/albums/${albumId}`)
    expect(album).toMatchObject({ title: '海边 · 2024', description: '七月\n八月' })

    // Esc leaves the form without saving.
    await press(page.locator('[data-edit-album]'))
    await title.fill('不保存')
    await title.press('Escape')
    await page.waitForSelector('[data-album-form]', { state: 'detached' })
    expect(await page.locator('[data-album-heading]').textContent()).toContain('海边 · 2024')
  })

  it('opens a photo of the album in the viewer', async () => {
    const first = (await albumImages(token, albumId))[0]!
    await press(tiles().first())
    await page.waitForSelector('dialog.viewer[open]')
    expect(await page.locator('dialog.viewer h2').first().textContent()).toBe(first.filename)
    await page.keyboard.press('Escape')
    await page.waitForSelector('dialog.viewer', { state: 'detached' })
  })

  it('sets a chosen photo as the cover', async () => {
    const inAlbum = await albumImages(token, albumId)
    const chosen = inAlbum[2]!
    await press(page.locator('[data-select]'))
    await page.waitForSelector('[data-selection-bar]')
    await press(page.locator(`.grid a[data-image-id="${chosen.id}"]`))
    await page.waitForFunction(id => document.querySelector(`.grid a[data-image-id="${id}"]`)?.getAttribute('aria-selected') === 'true', chosen.id)
    await noSidewaysOverflow('select mode')
    await shot('select')
    // Esc leaves select mode and focus returns to the Select button; the choice is gone.
    await page.keyboard.press('Escape')
    await page.waitForSelector('[data-selection-bar]', { state: 'detached' })
    expect(await page.evaluate(() => document.activeElement?.hasAttribute('data-select'))).toBe(true)
    await press(page.locator('[data-select]'))
    await press(page.locator(`.grid a[data-image-id="${chosen.id}"]`))
    await press(page.locator('[data-set-cover]'))
    await page.waitForSelector('[data-selection-bar]', { state: 'detached' })
    await page.waitForSelector(`.grid li:has(a[data-image-id="${chosen.id}"]) [data-cover-badge]`)
    expect(await page.locator('[data-cover-badge]').count()).toBe(1)
    const { data: album } = await api<AlbumDto>(token, 'GET', `/api/albums/${albumId}`)
    expect(album.cover_thumbnail_url).toBe(chosen.thumbnail_url)
  })

  it('removes a photo from the album, and the photo stays in the gallery', async () => {
    const inAlbum = await albumImages(token, albumId)
    const leaving = inAlbum[0]!
    if (phone) {
      await press(page.locator('[data-select]'))
      await press(page.locator(`.grid a[data-image-id="${leaving.id}"]`))
      await press(page.locator('[data-remove-from-album]'))
    }
    else {
      // By keyboard: Space on a focused photo selects it (and starts select mode).
      await page.locator(`.grid a[data-image-id="${leaving.id}"]`).focus()
      await page.keyboard.press(' ')
      await page.waitForSelector('[data-selection-bar]')
      await page.locator('[data-remove-from-album]').focus()
      await page.keyboard.press('Enter')
    }
    await page.waitForFunction(id => !document.querySelector(`.grid a[data-image-id="${id}"]`), leaving.id)
    await page.waitForSelector('.toast.success')
    // The count comes from the album read again after the removal: it may land a frame after the toast.
    await page.waitForFunction(() => document.querySelector('[data-album-count]')?.textContent?.trim() === '2 张照片', undefined, { timeout: 5000 }).catch(() => {})
    expect(await page.locator('[data-album-count]').textContent()).toBe('2 张照片')
    expect((await albumImages(token, albumId)).map(i => i.id)).toEqual(inAlbum.slice(1).map(i => i.id))
    expect((await galleryImages(token)).map(i => i.id)).toContain(leaving.id)
    await shot('after-remove')
  })

  it.each(['light', 'dark'] as const)('has no serious accessibility problems on the albums and album pages (%s)', async (scheme) => {
    await page.emulateMedia({ colorScheme: scheme })
    await gotoApp(page, `/albums/${albumId}`)
    await page.waitForSelector('.grid a[data-image-id]')
    const albumPage = await runAxe(page, `album ${device} ${scheme}`)
    await shot(`album-${scheme}`)
    await gotoApp(page, '/albums')
    await page.waitForSelector('[data-albums]')
    const list = await runAxe(page, `albums ${device} ${scheme}`)
    await shot(`list-${scheme}`)
    expect([...albumPage.severe, ...list.severe]).toEqual([])
    await page.emulateMedia({ colorScheme: 'light' })
  })

  it('adds photos through the gallery\'s picker, creating an album inline and picking it', async () => {
    await gotoApp(page, '/')
    await page.waitForSelector('.grid a[data-image-id]')
    await press(page.locator('[data-select-mode]'))
    const chosen = [photos[0]!.id, photos[3]!.id]
    for (const id of chosen) await press(page.locator(`.grid a[data-image-id="${id}"]`))
    await press(page.locator('[data-bulk="album"]'))
    const picker = page.locator('dialog[data-album-picker][open]')
    await picker.waitFor()
    expect(await picker.locator('h2').textContent()).toContain('将 2 张照片添加到相册')
    // The existing album is listed with its cover and count.
    const existing = picker.locator(`[data-pick-album="${albumId}"]`)
    await existing.waitFor()
    expect(await existing.textContent()).toContain('2 张照片')
    expect(await existing.locator('img').count()).toBe(1)
    await noSidewaysOverflow('the picker')
    await shot('picker')
    const pickerAxe = await runAxe(page, `picker ${device}`)
    expect(pickerAxe.severe).toEqual([])

    // Focus stays inside; Esc closes and gives focus back to the button that opened it.
    for (let i = 0; i < 8; i++) await page.keyboard.press('Tab')
    expect(await page.evaluate(() => !!document.activeElement?.closest('dialog[data-album-picker]'))).toBe(true)
    await page.keyboard.press('Escape')
    await page.waitForSelector('dialog[data-album-picker]', { state: 'detached' })
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-bulk'))).toBe('album')

    await press(page.locator('[data-bulk="album"]'))
    await picker.waitFor()
    const title = picker.locator('[data-album-title]')
    await press(picker.locator('[data-album-submit]'))
    expect(await title.getAttribute('aria-invalid')).toBe('true')
    expect(await picker.locator('[data-title-message]').textContent()).toContain('请为相册取个标题')
    await title.fill('x'.repeat(101))
    await press(picker.locator('[data-album-submit]'))
    expect(await picker.locator('[data-title-message]').textContent()).toContain('最多 100 个字符')
    expect((await listAlbums(token)).length).toBe(1)
    await title.fill('  旅行  ')
    await shot('picker-create')
    await press(picker.locator('[data-album-submit]'))
    await page.waitForSelector('dialog[data-album-picker]', { state: 'detached' })

    const created = (await listAlbums(token)).find(a => a.title === '旅行')
    expect(created).toBeDefined()
    expect((await albumImages(token, created!.id)).map(i => i.id).sort()).toEqual([...chosen].sort())

    // Picking an existing album adds only what is not there yet.
    await press(page.locator('[data-select-mode]'))
    await press(page.locator(`.grid a[data-image-id="${photos[1]!.id}"]`))
    await press(page.locator('[data-bulk="album"]'))
    await picker.locator(`[data-pick-album="${created!.id}"]`).waitFor()
    await press(picker.locator(`[data-pick-album="${created!.id}"]`))
    await page.waitForSelector('dialog[data-album-picker]', { state: 'detached' })
    expect((await albumImages(token, created!.id)).length).toBe(3)
  })

  it('deletes the album after a confirmation, and its photos stay in the gallery', async () => {
    const before = (await galleryImages(token)).map(i => i.id)
    await gotoApp(page, `/albums/${albumId}`)
    await page.waitForSelector('.grid a[data-image-id]')
    await press(page.locator('[data-delete-album]'))
    await page.waitForSelector('dialog.confirm[open]')
    expect(await page.locator('dialog.confirm[open]').textContent()).toContain('其中的照片仍保留在图库中')
    // Focus starts on Cancel, so Enter alone never deletes.
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('取消')
    await shot('delete-confirm')
    await press(page.locator('dialog.confirm[open] [data-confirm]'))
    await page.waitForURL(url('/albums'))
    await page.waitForSelector('.toast.success')
    expect(await page.locator(`[data-albums] a[data-album-id="${albumId}"]`).count()).toBe(0)
    expect((await api(token, 'GET', `/api/albums/${albumId}`)).status).toBe(404)
    expect((await galleryImages(token)).map(i => i.id)).toEqual(before)
  })

  it('says so when an album does not exist, without a console error', async () => {
    await gotoApp(page, '/albums/2147483647')
    await page.waitForSelector('[data-album-missing]')
    await gotoApp(page, '/albums/not-a-number')
    await page.waitForSelector('[data-album-missing]')
    await noSidewaysOverflow('the missing album page')
    await shot('missing')
  })

  it('speaks English too', async () => {
    const english = await newContext(browser, { token, ...options, locale: 'en-US' })
    const p = await english.newPage()
    p.on('pageerror', error => problems.push(`pageerror: ${error.message}`))
    await gotoApp(p, '/albums')
    await p.waitForSelector('[data-albums]')
    expect(await p.locator('h1').textContent()).toContain('Your albums')
    expect(await p.locator('[data-albums-count]').textContent()).toContain('1 album')
    const card = p.locator('[data-albums] a[data-album-id]').first()
    expect(await card.locator('[data-album-count]').textContent()).toBe('3 photos')
    await press(card)
    await p.waitForSelector('[data-album-heading]')
    expect(await p.locator('[data-edit-album]').textContent()).toContain('Edit')
    expect(await p.locator('[data-delete-album]').textContent()).toContain('Delete album')
    expect(await p.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth)).toBe(false)
    await screenshot(p, `albums-${device}-english`)
    await english.close()
  })

  it('explains an API failure while saving, and keeps what was typed', async () => {
    const [album] = await listAlbums(token)
    await gotoApp(page, `/albums/${album!.id}`)
    await page.waitForSelector('[data-album-heading]')
    await page.route(`**/api/albums/${album!.id}`, route => (route.request().method() === 'PATCH'
      ? route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ message: '服务暂时不可用，请稍后再试', code: 'SERVICE_UNAVAILABLE' }) })
      : route.continue()))
    await press(page.locator('[data-edit-album]'))
    await page.locator('[data-album-form] [data-album-title]').fill('新的名字')
    await press(page.locator('[data-album-form] [data-album-submit]'))
    await page.waitForSelector('[data-album-form-error]')
    expect(await page.locator('[data-album-form-error]').textContent()).toContain('服务暂时不可用')
    expect(await page.locator('[data-album-form] [data-album-title]').inputValue()).toBe('新的名字')
    await page.unroute(`**/api/albums/${album!.id}`)
    // A 503 is a console error the browser prints itself: not the app's.
    const at = problems.findIndex(p => p.includes('503'))
    if (at >= 0) problems.splice(at, 1)
  })
})
