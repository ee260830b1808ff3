import { readFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { url } from '@nuxt/test-utils/e2e'
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core'
import { chromium } from 'playwright-core'
import sharp from 'sharp'
import { afterEach } from 'vitest'

const SCREENSHOTS = resolve(import.meta.dirname, '../../test-results/screenshots')
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core'), 'utf8')

export const VIEWPORT = { width: 1280, height: 800 }

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

/** A fresh browser profile: Chinese (the app's default language) unless told otherwise. */
export async function newContext(browser: Browser, options: BrowserContextOptions & { token?: string } = {}): Promise<BrowserContext> {
  const { token, ...rest } = options
  const context = await browser.newContext({ viewport: VIEWPORT, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...rest })
  if (token) await context.addCookies([{ name: 'gallery_token', value: token, url: url('/'), httpOnly: true, sameSite: 'Lax' }])
  return context
}

/** Fails the test on any uncaught error in the page. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('pageerror', error => errors.push(error.message))
  return errors
}

/** Records, into `problems`, the page's uncaught errors and every console error (CSP reports included). */
export function watchProblems(page: Page, problems: string[]): void {
  page.on('pageerror', error => problems.push(`pageerror: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`)
  })
}

/** Waits until Vue has hydrated the page (app.vue marks <html data-hydrated>). */
export async function hydrated(page: Page): Promise<void> {
  await page.waitForSelector('html[data-hydrated]', { state: 'attached' })
}

export async function gotoApp(page: Page, path: string) {
  const response = await page.goto(url(path))
  await hydrated(page)
  return response
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true })
  const path = join(SCREENSHOTS, `${name}.png`)
  // Let entrance animations finish so the picture shows the settled page.
  await page.evaluate(() => Promise.all(document.getAnimations()
    .filter(a => a.effect?.getComputedTiming().endTime !== Infinity) // not spinners and shimmers
    .map(a => a.finished.catch(() => {}))))
  await page.screenshot({ path })
  return path
}

/** After each test of the current describe block, a screenshot of `page()` named after the test. */
export function screenshotEach(page: () => Page | undefined) {
  afterEach(async ({ task }) => {
    const current = page()
    if (!current || current.isClosed()) return
    const name = task.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60)
    await screenshot(current, name)
  })
}

export interface AxeSummary {
  counts: Record<'minor' | 'moderate' | 'serious' | 'critical', number>
  severe: string[]
}

/** Runs axe-core in the page; returns violation counts per impact and the serious/critical ones. */
export async function runAxe(page: Page, label: string): Promise<AxeSummary> {
  // Evaluated rather than added as a <script> tag: the app's CSP (rightly) refuses inline scripts.
  if (!await page.evaluate(() => 'axe' in window)) await page.evaluate(AXE_SOURCE)
  const violations = await page.evaluate(async () => {
    interface AxeViolation { id: string, impact: string, nodes: Array<{ target: string[] }> }
    const { axe } = window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: AxeViolation[] }> } }
    const result = await axe.run(document, { resultTypes: ['violations'] })
    return result.violations.map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, targets: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }))
  }) as Array<{ id: string, impact: keyof AxeSummary['counts'], nodes: number, targets: string[] }>
  const counts = { minor: 0, moderate: 0, serious: 0, critical: 0 }
  for (const v of violations) counts[v.impact] += v.nodes
  console.log(`[axe] ${label}: ${JSON.stringify(counts)}${violations.length ? ' ' + violations.map(v => `${v.id}(${v.impact}×${v.nodes}: ${v.targets.join(', ')})`).join('; ') : ''}`)
  const severe = violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => `${v.id}: ${v.targets.join(', ')}`)
  return { counts, severe }
}

const PALETTES = [
  { sky: ['#ffb88c', '#de6262'], sun: '#ffe29a', hills: ['#7a3b69', '#4a1942'], water: '#c0597a' },
  { sky: ['#a1c4fd', '#c2e9fb'], sun: '#fff6c8', hills: ['#3b7a57', '#1e4d36'], water: '#6fa8dc' },
  { sky: ['#0f2027', '#2c5364'], sun: '#f5f3ce', hills: ['#1b2b34', '#0b141a'], water: '#203a43' },
  { sky: ['#fddb92', '#d1fdff'], sun: '#fff3b0', hills: ['#c98b4f', '#8a5a2b'], water: '#7fb7be' },
  { sky: ['#e0c3fc', '#8ec5fc'], sun: '#ffffff', hills: ['#5b5f97', '#3a3d6b'], water: '#8c9ed9' },
  { sky: ['#f6d365', '#fda085'], sun: '#fff7d6', hills: ['#2f4858', '#1b2a33'], water: '#33658a' },
]

/** A landscape-like picture (sky, sun, hills, water) so screenshots look like a real gallery. */
export async function scenicImage(seed: number, width: number, height: number, format: 'jpeg' | 'png' | 'gif' = 'jpeg'): Promise<Buffer> {
  const p = PALETTES[seed % PALETTES.length]!
  const w = width
  const h = height
  const sunX = w * (0.2 + ((seed * 37) % 60) / 100)
  const ridge = (base: number, amp: number, phase: number) => {
    const points = [`0,${h}`]
    for (let i = 0; i <= 12; i++) {
      const x = (w / 12) * i
      const y = h * base - Math.abs(Math.sin(i * 0.9 + phase + seed)) * h * amp
      points.push(`${x.toFixed(0)},${y.toFixed(0)}`)
    }
    points.push(`${w},${h}`)
    return points.join(' ')
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
    <defs><linearGradient id="s" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${p.sky[0]}"/><stop offset="1" stop-color="${p.sky[1]}"/></linearGradient></defs>
    <rect width="${w}" height="${h}" fill="url(#s)"/>
    <circle cx="${sunX}" cy="${h * 0.32}" r="${Math.min(w, h) * 0.09}" fill="${p.sun}" opacity="0.9"/>
    <polygon points="${ridge(0.7, 0.28, 0.3)}" fill="${p.hills[0]}" opacity="0.85"/>
    <polygon points="${ridge(0.82, 0.18, 1.7)}" fill="${p.hills[1]}"/>
    <rect y="${h * 0.86}" width="${w}" height="${h * 0.14}" fill="${p.water}" opacity="0.9"/>
  </svg>`
  return sharp(Buffer.from(svg)).toFormat(format).toBuffer()
}

export interface FileSpec { name: string, mimeType: string, buffer: Buffer }
