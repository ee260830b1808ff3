// Web weight: loads the gallery page `/` signed in (the `gallery_token` cookie), in Debian's
// Chromium through playwright-core, and measures
//   - JS and CSS bytes: every script/stylesheet response seen by CDP (Network.responseReceived),
//     its bytes on the wire (Network.loadingFinished encodedDataLength, headers included) and its
//     body gzipped by us with zlib level 6 (gzip's default) — the budget uses the latter, because
//     the production server may or may not compress;
//   - time to the first thumbnail: navigation start → first <img> of /api/images/… that is
//     complete with naturalWidth > 0 (polled every animation frame), and the LCP time.
// Never throws for a page that is not there yet: fields it cannot measure are null, with a note.
import { existsSync } from 'node:fs'
import { gzipSync } from 'node:zlib'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run']

const INIT = () => {
  const state = { firstThumb: null, lcp: null, thumbs: 0 }
  window.__bench = state
  const check = () => {
    let count = 0
    for (const img of document.images) {
      const src = img.currentSrc || img.src || ''
      if (!src.includes('/api/images/')) continue
      count++
      if (state.firstThumb === null && img.complete && img.naturalWidth > 0) state.firstThumb = performance.now()
    }
    state.thumbs = count
    if (state.firstThumb === null) requestAnimationFrame(check)
  }
  requestAnimationFrame(check)
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) state.lcp = entry.startTime
    }).observe({ type: 'largest-contentful-paint', buffered: true })
  }
  catch { /* not supported */ }
}

const median = (values) => {
  const sorted = values.filter(v => v !== null && v !== undefined).sort((a, b) => a - b)
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : null
}

async function oneLoad(browser, base, token, timeoutMs) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } })
  try {
    await context.addCookies([{ name: 'gallery_token', value: token, url: base, httpOnly: true, sameSite: 'Lax' }])
    const page = await context.newPage()
    await page.addInitScript(INIT)
    const cdp = await context.newCDPSession(page)
    await cdp.send('Network.enable')
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
    const responses = new Map()
    cdp.on('Network.responseReceived', ({ requestId, type, response }) => {
      responses.set(requestId, { url: response.url, type, mime: response.mimeType, status: response.status, encoding: response.headers['content-encoding'] ?? response.headers['Content-Encoding'] })
    })
    cdp.on('Network.loadingFinished', ({ requestId, encodedDataLength }) => {
      const r = responses.get(requestId)
      if (r) r.wire = encodedDataLength
    })
    const start = Date.now()
    const nav = await page.goto(base + '/', { waitUntil: 'load', timeout: timeoutMs })
    await page.waitForFunction(() => window.__bench?.firstThumb !== null, null, { timeout: Math.max(1000, timeoutMs - (Date.now() - start)), polling: 50 }).catch(() => {})
    await page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => {})
    const state = await page.evaluate(() => ({
      ...window.__bench,
      url: location.pathname,
      imgs: document.images.length,
      inlineCss: [...document.querySelectorAll('style')].map(s => s.textContent).join('\n'),
      inlineJs: [...document.querySelectorAll('script:not([src])')].filter(s => !s.type || /module|javascript/.test(s.type)).map(s => s.textContent).join('\n'),
    }))

    // JS and CSS: bodies fetched again (with the cookie) and gzipped here.
    const assets = [...responses.values()].filter(r => r.status === 200 && (r.type === 'Script' || r.type === 'Stylesheet' || /javascript|text\/css/.test(r.mime ?? '')))
    const totals = { js: { count: 0, raw: 0, gzip: 0, wire: 0 }, css: { count: 0, raw: 0, gzip: 0, wire: 0 } }
    const seen = new Set()
    const files = []
    for (const asset of assets) {
      if (seen.has(asset.url) || asset.url.startsWith('data:')) continue
      seen.add(asset.url)
      const kind = asset.type === 'Stylesheet' || /css/.test(asset.mime ?? '') ? 'css' : 'js'
      const res = await fetch(asset.url, { headers: { 'cookie': `gallery_token=${token}`, 'accept-encoding': 'identity' } })
      const body = Buffer.from(await res.arrayBuffer())
      totals[kind].count++
      totals[kind].raw += body.length
      totals[kind].gzip += gzipSync(body, { level: 6 }).length
      totals[kind].wire += asset.wire ?? 0
      files.push({ url: new URL(asset.url).pathname, kind, status: res.status, raw: body.length, gzip: gzipSync(body, { level: 6 }).length, wire: asset.wire })
    }
    // Styles and scripts inlined into the server-rendered HTML count too.
    for (const [kind, text] of [['css', state.inlineCss], ['js', state.inlineJs]]) {
      if (!text) continue
      const body = Buffer.from(text)
      totals[kind].inline = (totals[kind].inline ?? 0) + gzipSync(body, { level: 6 }).length
      totals[kind].raw += body.length
      totals[kind].gzip += gzipSync(body, { level: 6 }).length
      files.push({ url: '(inline in HTML)', kind, raw: body.length, gzip: gzipSync(body, { level: 6 }).length })
    }
    const compressed = assets.some(a => a.encoding)
    return { status: nav?.status() ?? null, finalPath: state.url, firstThumbMs: state.firstThumb, lcpMs: state.lcp, thumbs: state.thumbs, imgs: state.imgs, totals, files, compressed }
  }
  finally {
    await context.close()
  }
}

/**
 * Measures the signed-in gallery page. `runs` cold loads (fresh context, cache disabled); times are
 * their median. Returns { ok, js, css, firstThumbMs, lcpMs, note, runs }.
 */
export async function measureWeb({ base, token, runs = 3, timeoutMs = 15_000 }) {
  if (!existsSync(CHROMIUM)) return { ok: false, note: `${CHROMIUM} not found (apt-get install chromium)` }
  let chromium
  try { ({ chromium } = await import('playwright-core')) }
  catch (error) { return { ok: false, note: `playwright-core not available: ${error.message}` } }
  let browser
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 30_000 })
    const loads = []
    for (let i = 0; i < runs; i++) loads.push(await oneLoad(browser, base, token, timeoutMs))
    const last = loads.at(-1)
    const notes = []
    if (last.finalPath !== '/') notes.push(`page ended on ${last.finalPath} (not signed in?)`)
    if (!last.thumbs) notes.push('the gallery page shows no /api/images/ thumbnail yet: first-thumbnail time n/a')
    else if (loads.every(l => l.firstThumbMs === null)) notes.push(`${last.thumbs} thumbnail <img> but none finished loading within ${timeoutMs} ms`)
    if (last.compressed) notes.push('the server compressed some assets on the wire')
    return {
      ok: true,
      status: last.status,
      js: last.totals.js,
      css: last.totals.css,
      firstThumbMs: median(loads.map(l => l.firstThumbMs)),
      lcpMs: median(loads.map(l => l.lcpMs)),
      thumbs: last.thumbs,
      files: last.files,
      compressed: last.compressed,
      runs: loads.map(l => ({ firstThumbMs: l.firstThumbMs, lcpMs: l.lcpMs })),
      note: notes.join('; '),
    }
  }
  catch (error) {
    return { ok: false, note: `web measurement failed: ${error?.message?.split('\n')[0] ?? error}` }
  }
  finally {
    await browser?.close().catch(() => {})
  }
}
