import { readdir } from 'node:fs/promises'
import { join, relative, resolve, sep } from 'node:path'
import { fetch } from '@nuxt/test-utils/e2e'
import { beforeAll, describe, expect, it } from 'vitest'
import { ERROR_CODES } from '../../shared/contracts/errors'
import { startServer } from '../setup/server'

// SPEC §11: the OpenAPI 3.1 document covers every route. Like test/api/authorization.test.ts, the
// route files under server/api are walked: a route without its documented operation fails here
// (add it in shared/contracts/openapi/, see the README there), and so does an operation without a route.

await startServer()

const API_DIR = resolve(import.meta.dirname, '../../server/api')
const ROUTES_DIR = resolve(import.meta.dirname, '../../server/routes')
const METHODS = new Set(['get', 'head', 'post', 'put', 'patch', 'delete'])

/** `images/[id]/file.get.ts` → `GET /api/images/{id}/file`; `albums/index.post.ts` → `POST /api/albums`; the catch-all has none. */
async function routeOperations(dir: string, prefix: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  const operations: string[] = []
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue
    const file = relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/').slice(0, -3)
    const dot = file.lastIndexOf('.')
    const method = file.slice(dot + 1)
    if (dot < 0 || !METHODS.has(method)) {
      expect(file, 'a route file without a method suffix other than the API catch-all').toBe('[...path]')
      continue
    }
    const path = (prefix + '/' + file.slice(0, dot)).replace(/\/index$/, '').replace(/\[(\w+)\]/g, '{$1}')
    operations.push(`${method.toUpperCase()} ${path}`)
  }
  return operations.sort()
}

interface Doc {
  openapi: string
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown, examples?: Record<string, { value: { code: string } }> }> }>, security?: unknown[] }>>
  components: { schemas: Record<string, { properties?: { code?: { enum?: string[] } } }> }
}

let doc: Doc
beforeAll(async () => {
  doc = await (await fetch('/api/openapi.json')).json() as Doc
})

describe('/api/openapi.json', () => {
  it('documents every route file under server/api (and /livez, /readyz, /metrics), and nothing else', async () => {
    expect(doc.openapi).toBe('3.1.0')
    const routes = [...await routeOperations(API_DIR, '/api'), ...await routeOperations(ROUTES_DIR, '')]
    expect(routes).toContain('GET /api/images/{id}/file')
    expect(routes).toContain('GET /readyz')
    const documented = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).filter(m => METHODS.has(m)).map(m => `${m.toUpperCase()} ${path}`)).sort()
    const undocumented = routes.filter(route => !documented.includes(route))
    expect(undocumented, 'routes without an operation in shared/contracts/openapi/ (see its README)').toEqual([])
    expect(documented.filter(op => !routes.includes(op)), 'operations without a route').toEqual([])
  })

  it('answers errors as {message, code} with code an enum of the ErrorCode table, and each listed code at its status', () => {
    const codes = doc.components.schemas.ApiError!.properties!.code!.enum!
    expect([...codes].sort()).toEqual(Object.keys(ERROR_CODES).sort())
    let listed = 0
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const statuses = Object.keys(operation.responses)
        expect(statuses.some(s => /^2\d\d$/.test(s)), `${method} ${path} has a success response`).toBe(true)
        for (const [status, response] of Object.entries(operation.responses)) {
          for (const { value } of Object.values(response.content?.['application/json']?.examples ?? {})) {
            listed++
            expect(ERROR_CODES[value.code as keyof typeof ERROR_CODES]?.status, `${method} ${path} ${value.code}`).toBe(Number(status))
          }
        }
      }
    }
    expect(listed).toBeGreaterThan(100)
  })

  it('describes parameters and bodies from the routes\' zod schemas', () => {
    const list = doc.paths['/api/images']!.get! as unknown as { parameters: Array<{ name: string, in: string }> }
    expect(list.parameters.map(p => `${p.in}:${p.name}`).sort()).toEqual(['query:before', 'query:favorite', 'query:limit', 'query:q', 'query:sort'])
    const login = doc.paths['/api/login']!.post! as unknown as { requestBody: { content: { 'application/json': { schema: { properties: Record<string, { maxLength?: number }>, required: string[] } } } }, security: unknown[] }
    const schema = login.requestBody.content['application/json'].schema
    expect(schema.required).toEqual(expect.arrayContaining(['username', 'password']))
    expect(schema.properties.password!.maxLength).toBe(1024)
    expect(login.security).toEqual([])
    const file = doc.paths['/api/images/{id}/file']!.get! as unknown as { parameters: Array<{ name: string, in: string, required?: boolean }> }
    expect(file.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path', required: true }), expect.objectContaining({ name: 'variant', in: 'query' })]))
  })

  it('has every $ref resolve', () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? []
    expect(refs.length).toBeGreaterThan(10)
    for (const ref of refs) {
      const [, , section, name] = ref.slice(8, -1).split('/')
      expect((doc.components as Record<string, Record<string, unknown>>)[section!]?.[name!], ref).toBeDefined()
    }
  })
})

describe('/api/docs', () => {
  it('is a page of our own origin with our CSP (scripts from self only) and its scripts', async () => {
    const page = await fetch('/api/docs')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
    const csp = page.headers.get('content-security-policy')!
    expect(csp).toContain('script-src \'self\'')
    expect(csp).toContain('default-src \'self\'')
    const html = await page.text()
    expect(html).not.toMatch(/https?:\/\//)
    expect(html).not.toMatch(/<script>/)
    const script = await fetch('/api/docs/reference.js', { headers: { 'accept-encoding': 'gzip' } })
    expect(script.status).toBe(200)
    expect(script.headers.get('content-type')).toContain('javascript')
    expect(await script.text()).toContain('/api/openapi.json')
    const etag = script.headers.get('etag')!
    expect((await fetch('/api/docs/reference.js', { headers: { 'if-none-match': etag } })).status).toBe(304)
    expect((await fetch('/api/docs/other.js')).status).toBe(404)
  })
})
