// A lean keep-alive GET load generator on raw sockets, for responses with large bodies.
// autocannon parses every body byte with http-parser-js; at ~300 KB per response that makes the
// load generator, not the server, the bottleneck on a 2-core machine (both the app and the raw
// fs stream then measure the same ~60 MB/s). This client only parses the status line and headers
// and skips Content-Length bytes, so the server is what gets measured.
import { connect } from 'node:net'

const HEADER_END = Buffer.from('\r\n\r\n')

/**
 * GET `path` on 127.0.0.1:`port` over `connections` keep-alive sockets for `duration` seconds.
 * Returns { rps, p50, p99, errors, statuses, completed, duration, bytesPerSec } like lib.summarize.
 */
export function rawLoad({ port, path, headers = {}, connections = 64, duration = 10, host = '127.0.0.1' }) {
  const request = Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: keep-alive\r\n`
    + Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n',
  )
  const latencies = []
  const statuses = {}
  let bytes = 0
  let errors = 0
  let stopping = false
  const started = performance.now()

  const one = () => new Promise((resolve) => {
    const socket = connect({ port, host, noDelay: true })
    let buffer = Buffer.alloc(0)
    let remaining = -1 // body bytes still to skip; -1 while reading headers
    let sentAt = 0
    const send = () => {
      if (stopping) {
        socket.destroy()
        return resolve()
      }
      sentAt = performance.now()
      socket.write(request)
    }
    socket.on('connect', send)
    socket.on('error', () => {
      errors++
      resolve()
    })
    socket.on('close', () => resolve())
    socket.on('data', (chunk) => {
      let data = buffer.length ? Buffer.concat([buffer, chunk]) : chunk
      buffer = Buffer.alloc(0)
      while (data.length) {
        if (remaining < 0) {
          const end = data.indexOf(HEADER_END)
          if (end < 0) {
            buffer = data
            return
          }
          const head = data.subarray(0, end).toString('latin1')
          const status = head.slice(9, 12)
          statuses[status] = (statuses[status] ?? 0) + 1
          const match = /\r\ncontent-length:\s*(\d+)/i.exec(head)
          remaining = match ? Number(match[1]) : 0
          if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
            errors++ // not supported by this client
            socket.destroy()
            return
          }
          bytes += end + 4
          data = data.subarray(end + 4)
        }
        const take = Math.min(remaining, data.length)
        remaining -= take
        bytes += take
        data = data.subarray(take)
        if (remaining === 0) {
          remaining = -1
          latencies.push(performance.now() - sentAt)
          send()
        }
      }
    })
  })

  const timer = setTimeout(() => { stopping = true }, duration * 1000)
  return Promise.all(Array.from({ length: connections }, one)).then(() => {
    clearTimeout(timer)
    const seconds = (performance.now() - started) / 1000
    latencies.sort((a, b) => a - b)
    const pick = q => (latencies.length ? Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]) : undefined)
    const completed = latencies.length
    const bad = Object.entries(statuses).filter(([s]) => s[0] === '4' || s[0] === '5').reduce((n, [, c]) => n + c, 0)
    return { rps: completed / seconds, p50: pick(0.5), p99: pick(0.99), errors: errors + bad, socketErrors: errors, statuses, completed, duration: seconds, bytesPerSec: bytes / seconds }
  })
}
