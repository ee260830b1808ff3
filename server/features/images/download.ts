import { once } from 'node:events'
import { ZipArchive } from 'archiver'
import type { H3Event } from 'h3'
import { sendStream, setResponseHeaders } from 'h3'
import { useBlobStore } from '../../infra/blob'
import type { ImageRow } from '../../infra/db/schema'
import { imageNotFound } from '../../infra/http/errors'

/**
 * The names the images get inside a zip, in order: their file names, made unique (case-insensitively,
 * since Windows and macOS unpack "A.png" and "a.png" onto one file) as "a.png", "a (2).png", …
 * A name that is empty, `.` or `..` (an unpacker could take it as a folder) becomes `image-<id>`.
 */
export function zipEntryNames(rows: Array<Pick<ImageRow, 'id' | 'filename'>>): string[] {
  const taken = new Set<string>()
  return rows.map((row) => {
    const base = /^\.*$/.test(row.filename) ? `image-${row.id}` : row.filename
    const dot = base.lastIndexOf('.')
    const stem = dot > 0 ? base.slice(0, dot) : base
    const ext = dot > 0 ? base.slice(dot) : ''
    let name = base
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${stem} (${n})${ext}`
    taken.add(name.toLowerCase())
    return name
  })
}

/**
 * Streams a zip of the originals of `rows` (already checked to be the caller's live images), in that
 * order, without temporary files: each original is opened only when the archive reaches it and piped
 * through, so memory and open files stay constant whatever the count. Entries are stored, not
 * deflated: JPEG, PNG and GIF are compressed already. Every original is checked to exist before the
 * first byte (a row without its file is the same 404 as serving it); one that disappears mid-way
 * breaks the connection rather than ending a zip that silently lacks it.
 */
export async function sendOriginalsZip(event: H3Event, rows: ImageRow[]) {
  const store = useBlobStore()
  const stats = await Promise.all(rows.map(row => store.stat(row.filepath)))
  const missing = rows.filter((_, i) => !stats[i])
  if (missing.length) {
    console.error(`[gallery] zip download: image(s) ${missing.map(row => row.id).join(', ')} have no original in storage (run npm run doctor)`)
    throw imageNotFound()
  }
  setResponseHeaders(event, {
    'Content-Type': 'application/zip',
    'Content-Disposition': 'attachment; filename="photos.zip"',
    'Cache-Control': 'private, no-store',
    'X-Content-Type-Options': 'nosniff',
  })
  const archive = new ZipArchive({ store: true })
  const names = zipEntryNames(rows)
  const gone = new AbortController()
  event.node.res.once('close', () => gone.abort())

  const feed = async () => {
    for (const [i, row] of rows.entries()) {
      if (gone.signal.aborted) return
      const body = await store.get(row.filepath)
      if (!body) throw new Error(`image ${row.id} lost its original during a zip download`)
      // h3 does not close piped sources when the client goes away (see serve.ts): close the open one here.
      const close = () => body.destroy()
      gone.signal.addEventListener('abort', close, { once: true })
      const written = once(archive, 'entry', { signal: gone.signal })
      archive.append(body, { name: names[i] ?? `image-${row.id}`, date: row.createdAt })
      await written
      gone.signal.removeEventListener('abort', close)
    }
    await archive.finalize()
  }
  feed().catch((error: unknown) => {
    if (gone.signal.aborted) return archive.destroy()
    // sendStream rejects with this error; the error handler then drops the connection (headers are out).
    archive.destroy(error instanceof Error ? error : new Error(String(error)))
  })
  return sendStream(event, archive)
}
