import { fetch } from '@nuxt/test-utils/e2e'
import { describe, expect, it } from 'vitest'
import { PASSWORD, postJson, uniqueName } from '../setup/api'
import { startServer } from '../setup/server'
import { useVictim } from '../support/accounts'
import { sessionRows, usersNamed } from '../support/db'
import { expectApiError } from '../support/errors'
import { rawRequest } from '../support/rawHttp'

// Many failed logins for the same (attack) usernames below: the per-user limit must not turn them into 429s.
await startServer({ RATE_LIMIT_LOGIN_PER_USER: '100000' })

/** Someone who must be unaffected by every refused request in this file. */
const { victim, expectVictimUntouched } = useVictim()

describe('register refuses bad input with 400 and creates no account', () => {
  const n = () => uniqueName('r')
  it.each<[string, () => { body: unknown, names: string[] }]>([
    ['a username given as an array', () => { const u = n(); return { body: { username: [u], password: PASSWORD }, names: [u] } }],
    ['a username given as a number', () => ({ body: { username: 1234567, password: PASSWORD }, names: ['1234567'] })],
    ['a username given as null', () => ({ body: { username: null, password: PASSWORD }, names: ['null'] })],
    ['a username given as a boolean', () => ({ body: { username: true, password: PASSWORD }, names: ['true'] })],
    ['a username given as an operator object {"$gt": ""}', () => ({ body: { username: { $gt: '' }, password: PASSWORD }, names: ['[object Object]'] })],
    ['a password given as an array', () => { const u = n(); return { body: { username: u, password: [PASSWORD] }, names: [u] } }],
    ['a password given as a number', () => { const u = n(); return { body: { username: u, password: 123456789 }, names: [u] } }],
    ['a password given as an operator object {"$ne": null}', () => { const u = n(); return { body: { username: u, password: { $ne: null } }, names: [u] } }],
    ['a password given as null', () => { const u = n(); return { body: { username: u, password: null }, names: [u] } }],
    ['a missing username', () => ({ body: { password: PASSWORD }, names: [] })],
    ['a username smuggled in through "__proto__"', () => { const u = n(); return { body: JSON.parse(`{"__proto__": {"username": "${u}"}, "password": "${PASSWORD}"}`), names: [u] } }],
    ['an empty object', () => ({ body: {}, names: [] })],
    ['an array instead of an object', () => { const u = n(); return { body: [u, PASSWORD], names: [u] } }],
    ['JSON null instead of an object', () => ({ body: null, names: [] })],
    ['a JSON string instead of an object', () => { const u = n(); return { body: u, names: [u] } }],
    ['an empty username', () => ({ body: { username: '', password: PASSWORD }, names: [''] })],
    ['a 51-character username', () => { const u = 'x'.repeat(51); return { body: { username: u, password: PASSWORD }, names: [u] } }],
    ['a 2000-character username', () => { const u = 'y'.repeat(2000); return { body: { username: u, password: PASSWORD }, names: [u.slice(0, 50)] } }],
    ['a username containing NUL', () => { const u = n(); return { body: { username: `${u}\u0000x`, password: PASSWORD }, names: [u, `${u}x`, `${u}\u0000x`] } }],
    ['a username containing a right-to-left override', () => { const u = n(); return { body: { username: `${u}\u202Egnp`, password: PASSWORD }, names: [u, `${u}gnp`, `${u}\u202Egnp`] } }],
    ['a username containing a zero-width space', () => { const u = n(); return { body: { username: `${u}\u200B`, password: PASSWORD }, names: [u, `${u}\u200B`] } }],
    ['a username containing an emoji', () => { const u = n(); return { body: { username: `${u}😀`, password: PASSWORD }, names: [`${u}😀`] } }],
    ['a username of only combining marks (no letter at all)', () => ({ body: { username: '\u0301\u0308\u0301', password: PASSWORD }, names: ['\u0301\u0308\u0301'] })],
    ['a username starting with a combining mark', () => { const u = n(); return { body: { username: `\u0301${u}`, password: PASSWORD }, names: [`\u0301${u}`] } }],
    ['a username with surrounding spaces', () => { const u = n(); return { body: { username: ` ${u} `, password: PASSWORD }, names: [u, ` ${u} `] } }],
    ['a username with a path', () => { const u = n(); return { body: { username: `../${u}`, password: PASSWORD }, names: [u, `../${u}`] } }],
    ['a username with HTML', () => ({ body: { username: '<img src=x onerror=alert(1)>', password: PASSWORD }, names: ['<img src=x onerror=alert(1)>'] })],
    ['an empty password', () => { const u = n(); return { body: { username: u, password: '' }, names: [u] } }],
    ['a password containing NUL', () => { const u = n(); return { body: { username: u, password: `${PASSWORD}\u0000` }, names: [u] } }],
    ['a 129-character password', () => { const u = n(); return { body: { username: u, password: 'p'.repeat(129) }, names: [u] } }],
  ])('%s', async (_, make) => {
    const { body, names } = make()
    const res = await postJson('/api/register', body)
    await expectApiError(res, 400, 'VALIDATION_ERROR')
    expect(await usersNamed(...names)).toBe(0)
  })
})

describe('login refuses malformed credentials with 400 and opens no session', () => {
  it.each<[string, () => unknown]>([
    ['the victim\'s name inside an array', () => ({ username: [victim.username], password: PASSWORD })],
    ['an operator object {"$gt": ""} as the username', () => ({ username: { $gt: '' }, password: PASSWORD })],
    ['an operator object {"$ne": null} as the password', () => ({ username: victim.username, password: { $ne: null } })],
    ['the password inside an array', () => ({ username: victim.username, password: [PASSWORD] })],
    ['a boolean password', () => ({ username: victim.username, password: true })],
    ['a numeric username', () => ({ username: 42, password: PASSWORD })],
    ['a null username', () => ({ username: null, password: PASSWORD })],
    ['a missing password', () => ({ username: victim.username })],
    ['an empty object', () => ({})],
    ['an array of both', () => [victim.username, PASSWORD]],
    ['an empty username', () => ({ username: '', password: PASSWORD })],
    ['an empty password', () => ({ username: victim.username, password: '' })],
    ['a 201-character username', () => ({ username: 'u'.repeat(201), password: PASSWORD })],
    ['a 1025-character password', () => ({ username: victim.username, password: 'p'.repeat(1025) })],
  ])('%s', async (_, make) => {
    const sessions = await sessionRows(victim.id)
    const res = await postJson('/api/login', make())
    expect(res.headers.get('set-cookie')).toBeNull()
    await expectApiError(res, 400, 'VALIDATION_ERROR')
    await expectVictimUntouched(sessions)
  })

  it.each([
    ['a NUL inside the victim\'s name', () => `${victim.username}\u0000`],
    ['the victim\'s name followed by a right-to-left override', () => `${victim.username}\u202E`],
  ])('answers 401 (never 200) for %s with the right password', async (_, name) => {
    const sessions = await sessionRows(victim.id)
    const res = await postJson('/api/login', { username: name(), password: PASSWORD })
    await expectApiError(res, 401, 'INVALID_CREDENTIALS')
    await expectVictimUntouched(sessions)
  })
})

describe.each(['/api/register', '/api/login'])('%s refuses bodies that are not small JSON', (route) => {
  // NAME is replaced by a fresh username in each case, so a wrongly accepted body shows up as a row.
  it.each<[string, string, string | undefined, number, string]>([
    ['malformed JSON', '{"username": "NAME", "password": ', 'application/json', 400, 'INVALID_JSON'],
    ['JSON followed by garbage', `{"username": "NAME", "password": "${PASSWORD}"} trailing`, 'application/json', 400, 'INVALID_JSON'],
    ['single-quoted pseudo-JSON', `{'username': 'NAME', 'password': '${PASSWORD}'}`, 'application/json; charset=utf-8', 400, 'INVALID_JSON'],
    ['an empty body', '', 'application/json', 400, 'INVALID_JSON'],
    ['a whitespace-only body', '   \n  ', 'application/json', 400, 'INVALID_JSON'],
    ['JSON sent as text/plain (a type cross-site forms may send)', `{"username": "NAME", "password": "${PASSWORD}"}`, 'text/plain', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a form-urlencoded body', `username=NAME&password=${encodeURIComponent(PASSWORD)}`, 'application/x-www-form-urlencoded', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a multipart body', `--b\r\nContent-Disposition: form-data; name="username"\r\n\r\nNAME\r\n--b--\r\n`, 'multipart/form-data; boundary=b', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a JSON body without a content type', `{"username": "NAME", "password": "${PASSWORD}"}`, undefined, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a content type that only starts like JSON', `{"username": "NAME", "password": "${PASSWORD}"}`, 'application/jsonp', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a deeply nested array', '['.repeat(4000) + ']'.repeat(4000), 'application/json', 400, 'VALIDATION_ERROR'],
  ])('%s', async (_, template, type, status, code) => {
    const name = uniqueName('raw')
    const bytes = new TextEncoder().encode(template.replaceAll('NAME', name))
    const sessions = await sessionRows(victim.id)
    // Bytes rather than a string, so fetch adds no text/plain content type of its own.
    const res = await fetch(route, { method: 'POST', headers: type ? { 'content-type': type } : {}, body: bytes })
    await expectApiError(res, status, code)
    expect(await usersNamed(name)).toBe(0)
    await expectVictimUntouched(sessions)
  })

  it('answers 413 for a JSON body over 16 KB and creates nothing', async () => {
    const username = uniqueName('big')
    const res = await postJson(route, { username, password: PASSWORD, padding: 'x'.repeat(17 * 1024) })
    await expectApiError(res, 413, 'PAYLOAD_TOO_LARGE')
    expect(await usersNamed(username)).toBe(0)
  })

  it('answers 413 for a chunked JSON body without Content-Length that runs past 16 KB', async () => {
    const username = uniqueName('chunk')
    const head = Buffer.from(`{"username": "${username}", "password": "${PASSWORD}", "padding": "`)
    const filler = Array.from({ length: 40 }, () => Buffer.alloc(1024, 'x'))
    const res = await rawRequest(route, {
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      chunks: [head, ...filler, Buffer.from('"}')],
    })
    expect(res.status).toBe(413)
    expect(JSON.parse(res.text)).toEqual({ message: expect.any(String), code: 'PAYLOAD_TOO_LARGE' })
    expect(await usersNamed(username)).toBe(0)
  })
})
