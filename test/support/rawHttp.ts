import { request } from 'node:http'
import { url } from '@nuxt/test-utils/e2e'

// Raw HTTP: chunked bodies, declared lengths, clients that go away.

export interface RawResponse { status: number, headers: Record<string, string | string[] | undefined>, text: string }

/**
 * Sends a request with node:http, writing `chunks` one after another (respecting back-pressure) and
 * stopping early once the server has answered or closed the connection. Resolves with the response.
 */
export function rawRequest(path: string, options: { method?: string, headers: Record<string, string>, chunks: Iterable<Buffer>, end?: boolean }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url(path))
    let answered = false
    const req = request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: options.method ?? 'POST', headers: options.headers })
    req.on('response', (res) => {
      answered = true
      const parts: Buffer[] = []
      res.on('data', (c: Buffer) => parts.push(c))
      res.on('end', () => {
        resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(parts).toString('utf8') })
        req.destroy()
      })
      res.on('error', reject)
    })
    req.on('error', (error) => {
      // The server may close the connection after answering while we are still writing: that is fine.
      if (!answered) setTimeout(() => { if (!answered) reject(error) }, 500)
    })
    ;(async () => {
      for (const chunk of options.chunks) {
        if (answered || req.destroyed) return
        if (!req.write(chunk)) {
          await new Promise<void>((resolve) => {
            const done = () => {
              req.off('drain', done).off('close', done)
              resolve()
            }
            req.on('drain', done).on('close', done)
          })
        }
      }
      if (options.end !== false && !answered && !req.destroyed) req.end()
    })().catch(() => { /* reported through the request's error event */ })
  })
}
