import { expect } from 'vitest'

// Asserting API error answers: the status, exactly `{message, code}`, and nothing leaked.

/** What no error body may ever contain: stack frames, SQL, library names, disk paths. */
export const LEAK_PATTERNS: RegExp[] = [
  /\bat \S+ \(/, /\bat .*\.(mjs|js|ts)\b/, /node:internal/,
  /\bSELECT\b/i, /\bINSERT\b/i, /\bUPDATE\b.*\bSET\b/i, /\bER_[A-Z_]+/, /\bsqlMessage\b/, /\bstack\b/i,
  /mysql/i, /mariadb/i, /drizzle/i, /busboy/i, /sharp/i, /\bh3\b/i, /\bjose\b/i, /bcrypt/i, /vips/i, /\bzod\b/i,
  /\/tmp\//, /\/work\//, /\/home\//, /\.output\//, /[A-Z]:\\/,
]

/** Asserts that a response text carries none of the internals in LEAK_PATTERNS, nor the given paths. */
export function expectNoLeak(text: string, ...paths: string[]) {
  for (const pattern of LEAK_PATTERNS) expect(text, `response leaks ${pattern}`).not.toMatch(pattern)
  for (const path of paths) expect(text, 'response leaks a disk path').not.toContain(path)
}

/**
 * Asserts an API error: the status, a JSON body of exactly `{message, code}` (both non-empty strings),
 * the code when given, and no leaked internals. Returns the body.
 */
export async function expectApiError(res: Response, status: number, code?: string | RegExp): Promise<{ message: string, code: string }> {
  const text = await res.text()
  expect(res.status, `status (body: ${text.slice(0, 300)})`).toBe(status)
  expect(res.headers.get('content-type') ?? '').toMatch(/^application\/json/)
  const body = JSON.parse(text)
  expect(body !== null && typeof body === 'object' && !Array.isArray(body)).toBe(true)
  expect(Object.keys(body).sort()).toEqual(['code', 'message'])
  expect(typeof body.message).toBe('string')
  expect(typeof body.code).toBe('string')
  expect(body.message.length).toBeGreaterThan(0)
  expect(body.code).toMatch(/^[A-Z][A-Z0-9_]*$/)
  if (typeof code === 'string') expect(body.code).toBe(code)
  else if (code) expect(body.code).toMatch(code)
  expectNoLeak(text)
  return body
}

export const UNAUTHORIZED = { message: '未登录或登录已过期', code: 'UNAUTHORIZED' }
