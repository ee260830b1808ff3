import { createHash } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import type { H3Event } from 'h3'
import { getHeader, setResponseHeaders, setResponseStatus } from 'h3'
import { useStorage } from 'nitropack/runtime'

/**
 * The interactive API reference at /api/docs (SPEC §11): a page of our own and one script
 * (server/assets/apidocs/reference.js, a Nitro server asset) that renders /api/openapi.json and can
 * send requests from the page. Nothing from a CDN, no inline script: the app's CSP, with scripts
 * from 'self' only. (Scalar's standalone bundle was tried first: 5 MB, and it did not render this
 * document in time on the test machine; it fetched fonts from its CDN unless told not to.)
 */

/** The app's policy (nuxt.config.ts `security`) for a page whose only script is a same-origin file. */
export const DOCS_CSP = [
  'default-src \'self\'', 'base-uri \'none\'', 'connect-src \'self\'', 'font-src \'self\'', 'form-action \'self\'',
  'frame-ancestors \'none\'', 'img-src \'self\' data: blob:', 'object-src \'none\'', 'script-src \'self\'',
  'script-src-attr \'none\'', 'style-src \'self\' \'unsafe-inline\'',
].join('; ')

export const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Gallery API reference</title>
<link rel="icon" type="image/svg+xml" href="/favicon.svg">
<style>
body { font: 15px/1.5 system-ui, sans-serif; margin: 0; }
main { max-width: 960px; margin: 0 auto; padding: 1rem; }
header input { display: block; width: 100%; box-sizing: border-box; margin: .4rem 0; padding: .5rem; font: inherit; }
h2 { text-transform: capitalize; border-bottom: 1px solid #8884; margin-top: 2rem; }
details.operation { border: 1px solid #8884; border-radius: 6px; margin: .4rem 0; }
details.operation > summary { cursor: pointer; padding: .5rem; display: flex; gap: .6rem; flex-wrap: wrap; align-items: baseline; }
details.operation > :not(summary) { margin: .5rem .8rem; }
.method { font: bold 12px monospace; padding: .1rem .4rem; border-radius: 4px; background: #8883; min-width: 3.5rem; text-align: center; }
.get { background: #2b7de933; } .post { background: #2e9e4a33; } .patch, .put { background: #c8881433; } .delete { background: #d3383833; }
.summary { color: #888; flex: 1 1 16rem; }
code { overflow-wrap: anywhere; }
pre { background: #8881; padding: .5rem; overflow-x: auto; font-size: 12px; max-height: 24rem; }
form.try { display: grid; gap: .4rem; }
form.try input, form.try textarea, form.try button { font: inherit; padding: .4rem; }
h4 { margin: .6rem 0 .2rem; }
</style>
</head>
<body>
<main id="reference"><p>Loading the API reference…</p></main>
<script src="/api/docs/reference.js"></script>
</body>
</html>
`

interface Asset { body: Buffer, gzip: Buffer, etag: string }
let script: Promise<Asset | undefined> | undefined

async function load(): Promise<Asset | undefined> {
  const raw = await useStorage('assets:server').getItemRaw<Buffer | string>('apidocs:reference.js')
  if (!raw) return undefined
  const body = Buffer.from(raw)
  return { body, gzip: gzipSync(body), etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }
}

/** Serves the reference's script, or undefined (404) for any other name. */
export async function sendDocsAsset(event: H3Event, name: string): Promise<Buffer | string | undefined> {
  if (name !== 'reference.js') return undefined
  script ??= load()
  const asset = await script
  if (!asset) return undefined
  setResponseHeaders(event, { 'Content-Type': 'text/javascript; charset=utf-8', 'ETag': asset.etag, 'Cache-Control': 'no-cache', 'Vary': 'Accept-Encoding' })
  if (getHeader(event, 'if-none-match') === asset.etag) {
    setResponseStatus(event, 304)
    return ''
  }
  if (/\bgzip\b/.test(getHeader(event, 'accept-encoding') ?? '')) {
    setResponseHeaders(event, { 'Content-Encoding': 'gzip' })
    return asset.gzip
  }
  return asset.body
}
