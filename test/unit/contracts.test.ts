import { readdir, readFile } from 'node:fs/promises'
import { join, relative, resolve, sep } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ERROR_CODES } from '../../shared/contracts/errors'
import { apiFailure, CLIENT_ERROR_CODES } from '../../composables/apiError'

// The ErrorCode table (shared/contracts/errors.ts) is the one list of codes: the server answers
// only these, the web app translates every one of them, and the routes' answers are typed by the
// contracts. TypeScript checks the typed call sites; these tests also catch what a type cannot see
// (a translation file, a code written in an untyped place, a route without a declared answer).

const ROOT = resolve(import.meta.dirname, '../..')
const TABLE = Object.keys(ERROR_CODES)
const CLIENT: readonly string[] = CLIENT_ERROR_CODES

/** Every file under `dir` whose name ends with one of `exts`, relative to the repository, `/`-separated. */
async function sourceFiles(dir: string, exts: string[]): Promise<string[]> {
  const entries = await readdir(join(ROOT, dir), { withFileTypes: true, recursive: true })
  return entries.filter(e => e.isFile() && exts.some(ext => e.name.endsWith(ext)))
    .map(e => relative(ROOT, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort()
}

/** Each match of `pattern` (its first group) in the files, as `[file, code]`. */
async function codesUsed(files: string[], pattern: RegExp): Promise<Array<[string, string]>> {
  const found: Array<[string, string]> = []
  for (const file of files) {
    const text = await readFile(join(ROOT, file), 'utf8')
    for (const match of text.matchAll(pattern)) found.push([file, match[1]!])
  }
  return found
}

const locales = ['en', 'zh'] as const
const errorTexts = async (locale: string): Promise<Record<string, unknown>> =>
  JSON.parse(await readFile(join(ROOT, 'i18n/locales', `${locale}.json`), 'utf8')).errors ?? {}

describe('error translations', () => {
  const cases = locales.flatMap(locale => [...TABLE, ...CLIENT].map(code => [locale, code] as const))

  it.each(cases)('%s has a text for errors.%s', async (locale, code) => {
    const text = (await errorTexts(locale))[code]
    expect(typeof text === 'string' && text.trim().length > 0, `i18n/locales/${locale}.json errors.${code}`).toBe(true)
  })

  it.each(locales)('%s translates no code that neither the API nor the web app can produce', async (locale) => {
    const stale = Object.keys(await errorTexts(locale)).filter(code => !TABLE.includes(code) && !CLIENT.includes(code))
    expect(stale).toEqual([])
  })

  it('keeps the web app\'s own codes apart from the API\'s', () => {
    expect(CLIENT.filter(code => TABLE.includes(code))).toEqual([])
  })
})

describe('a failure as the web app sees it', () => {
  it.each([
    ['a code of the table', 404, { code: 'IMAGE_NOT_FOUND', message: '图片不存在' }, { code: 'IMAGE_NOT_FOUND', message: '图片不存在' }],
    ['a code of the web app', 0, { code: 'ABORTED', message: '' }, { code: 'ABORTED', message: '' }],
    // A newer server's code this build cannot translate: shown with the server's own message.
    ['a code nobody knows', 418, { code: 'SOMETHING_NEW', message: '新的错误' }, { code: 'UNKNOWN_ERROR', message: '新的错误' }],
  ])('keeps %s typed as a FailureCode', (_, status, body, expected) => {
    expect(apiFailure(status, body)).toMatchObject({ status, ...expected })
  })
})

describe('codes in the source', () => {
  // apiError('X'), fromTable('X'), routerParams/queryParams(…, 'X'), `code: 'X'`, and the values of a
  // status → code map (server/error.ts) — every way the server names a code today.
  const SERVER_PATTERNS = [
    /\bapiError\(\s*'([A-Z][A-Z0-9_]*)'/g,
    /\bfromTable\(\s*'([A-Z][A-Z0-9_]*)'/g,
    /\b(?:routerParams|queryParams)\([^)]*?'([A-Z][A-Z0-9_]*)'\s*\)/g,
    /\bcode:\s*'([A-Z][A-Z0-9_]*)'/g,
    /\b\d{3}:\s*'([A-Z][A-Z0-9_]*)'/g,
  ]

  it('names only codes of the table anywhere under server/', async () => {
    const files = await sourceFiles('server', ['.ts'])
    const used = (await Promise.all(SERVER_PATTERNS.map(p => codesUsed(files, p)))).flat()
    // The scan itself must see the codes it is checking, or it would pass on nothing.
    expect(used.length).toBeGreaterThan(20)
    expect(used.filter(([, code]) => !TABLE.includes(code))).toEqual([])
  })

  it('compares and builds failures in the web app only with codes it can receive', async () => {
    const files = [
      ...await sourceFiles('stores', ['.ts']),
      ...await sourceFiles('composables', ['.ts']),
      ...await sourceFiles('pages', ['.vue', '.ts']),
      ...await sourceFiles('components', ['.vue', '.ts']),
      ...await sourceFiles('middleware', ['.ts']),
    ]
    const patterns = [/\bcode\s*[!=]==\s*'([A-Z][A-Z0-9_]*)'/g, /\bcode:\s*'([A-Z][A-Z0-9_]*)'/g, /\bclientFailure\(\s*\d+,\s*'([A-Z][A-Z0-9_]*)'/g]
    const used = (await Promise.all(patterns.map(p => codesUsed(files, p)))).flat()
    expect(used.length).toBeGreaterThan(5)
    expect(used.filter(([, code]) => !TABLE.includes(code) && !CLIENT.includes(code))).toEqual([])
  })
})

describe('route answers', () => {
  /** Routes that answer no JSON of their own: bytes, or only errors. */
  const NO_JSON_ANSWER: Record<string, string> = {
    'server/api/[...path].ts': 'only throws NOT_FOUND',
    'server/api/health.get.ts': 'a probe for load balancers, `{status}` outside the API contracts',
    'server/api/images/[id]/file.get.ts': 'streams the image bytes',
    'server/api/images/[id]/file.head.ts': 'headers of the image bytes',
    'server/api/images/download.post.ts': 'streams a zip of the originals',
    'server/api/s/[token]/images/[id]/file.get.ts': 'streams a shared photo\'s bytes',
    'server/api/docs.get.ts': 'the API reference page (HTML)',
    'server/api/docs/[file].get.ts': 'the API reference page\'s script',
    'server/api/openapi.json.get.ts': 'the OpenAPI document itself, generated from the contracts (test/api/openapi.test.ts checks it)',
  }

  it('declares every JSON answer with a type from shared/contracts', async () => {
    const routes = await sourceFiles('server/api', ['.ts'])
    expect(routes.length).toBeGreaterThan(5)
    const untyped: string[] = []
    for (const file of routes.filter(f => !(f in NO_JSON_ANSWER))) {
      const text = await readFile(join(ROOT, file), 'utf8')
      const declared = /defineEventHandler\(\s*async\s*\(\s*event\s*\)\s*:\s*Promise<(\w+)(?:\[\])?>/.exec(text)?.[1]
      const imported = declared && new RegExp(`import (?:type )?\\{[^}]*\\b${declared}\\b[^}]*\\} from '[./]*shared/contracts/\\w+'`).test(text)
      if (!imported) untyped.push(file)
    }
    expect(untyped).toEqual([])
  })
})
