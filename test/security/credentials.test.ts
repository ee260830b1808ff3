import { fetch } from '@nuxt/test-utils/e2e'
import { describe, expect, it } from 'vitest'
import { bearer, PASSWORD, postJson, uniqueName } from '../setup/api'
import { startServer } from '../setup/server'
import { useVictim } from '../support/accounts'
import { query, sessionRows, usersNamed } from '../support/db'
import { expectApiError } from '../support/errors'

// Many failed logins for the same (attack) usernames below: the per-user limit must not turn them into 429s.
// (Kept apart from auth-input.test.ts so the password hashing of both files runs on two servers in parallel.)
await startServer({ RATE_LIMIT_LOGIN_PER_USER: '100000' })

/** Someone who must be unaffected by every refused request in this file. */
const { victim, expectVictimUntouched } = useVictim()

describe('Unicode usernames', () => {
  it.each([
    ['"café" composed and decomposed', 'caf\u00E9', 'cafe\u0301'],
    ['"ÄBC" and "äbc"', '\u00C4BC', '\u00E4bc'],
    ['"ÄBC" composed and "äbc" decomposed', '\u00C4BC', 'a\u0308bc'],
    ['Greek "ΩΜΕΓΑ" and "ωμεγα"', 'ΩΜΕΓΑ', 'ωμεγα'],
    ['Cyrillic "ДМИТРИЙ" and "дмитрий"', 'ДМИТРИЙ', 'дмитрий'],
    ['the KELVIN SIGN "\u212A" and "k"', '\u212Aelvin', 'kelvin'],
    ['the ANGSTROM SIGN "\u212B" and "å"', '\u212Bngstrom', '\u00E5ngstrom'],
  ])('treats %s as one account (NFC, case-insensitive)', async (_, first, second) => {
    const suffix = uniqueName('').slice(1)
    const a = `${first}${suffix}`
    const b = `${second}${suffix}`
    expect((await postJson('/api/register', { username: a, password: PASSWORD })).status).toBe(201)
    await expectApiError(await postJson('/api/register', { username: b, password: PASSWORD }), 409, 'USERNAME_TAKEN')
    expect(await usersNamed(a)).toBe(1)
    const login = await postJson('/api/login', { username: b, password: PASSWORD })
    expect(login.status).toBe(200)
    const me = await (await fetch('/api/me', { headers: bearer((await login.json()).token) })).json()
    expect(me.username).toBe(a.normalize('NFC'))
  })

  it.each([
    ['26 × "İ" and a suffix (36 letters)', 26],
    ['40 × "İ" and a suffix (50 letters, the maximum)', 40],
  ])('accepts a valid name whose lower-case form is longer than 50 characters: %s', async (_, count) => {
    // "İ" (U+0130) lower-cases to "i̇" (two code points): the case-folded key is longer than the name.
    const suffix = uniqueName('').slice(1)
    const username = '\u0130'.repeat(count) + suffix
    expect([...username].length).toBeLessThanOrEqual(50)
    const res = await postJson('/api/register', { username, password: PASSWORD })
    expect(res.status, await res.clone().text()).toBe(201)
    expect(await usersNamed(username)).toBe(1)
    // Same name in another case and still within 50 characters (the fully lower-cased form is longer: invalid).
    await expectApiError(await postJson('/api/register', { username: '\u0130'.repeat(count) + suffix.toUpperCase(), password: PASSWORD }), 409, 'USERNAME_TAKEN')
    expect((await postJson('/api/login', { username: username.toLowerCase(), password: PASSWORD })).status).toBe(200)
  })

  it('keeps names that differ only by an accent as two accounts', async () => {
    const suffix = uniqueName('').slice(1)
    expect((await postJson('/api/register', { username: `café${suffix}`, password: PASSWORD })).status).toBe(201)
    expect((await postJson('/api/register', { username: `cafe${suffix}`, password: 'another password' })).status).toBe(201)
    expect((await postJson('/api/login', { username: `cafe${suffix}`, password: PASSWORD })).status).toBe(401)
    expect((await postJson('/api/login', { username: `café${suffix}`, password: 'another password' })).status).toBe(401)
  })
})

describe('passwords longer than bcrypt\'s 72 bytes', () => {
  it.each([
    ['ASCII', 'a'.repeat(72) + '-one', 'a'.repeat(72) + '-two'],
    ['two-byte letters', 'é'.repeat(36) + '1', 'é'.repeat(36) + '2'],
    ['four-byte emoji', '😀'.repeat(18) + 'x', '😀'.repeat(18) + 'y'],
    ['a password and its first 72 bytes', 'k'.repeat(100), 'k'.repeat(72)],
  ])('tells apart %s sharing the first 72 bytes', async (_, password, other) => {
    const username = uniqueName('pw')
    expect((await postJson('/api/register', { username, password })).status).toBe(201)
    await expectApiError(await postJson('/api/login', { username, password: other }), 401, 'INVALID_CREDENTIALS')
    expect((await postJson('/api/login', { username, password })).status).toBe(200)
  })
})

describe('SQL injection strings', () => {
  const INJECTIONS = [
    '\' OR \'1\'=\'1',
    'admin\'--',
    '" OR ""="',
    '1; DROP TABLE users; --',
    '\' UNION SELECT id, username, password FROM users -- ',
    '\\\' OR 1=1 #',
    '%',
    '\' OR username LIKE \'%',
  ]

  it.each(INJECTIONS)('%s never signs anyone in and changes no row', async (attack) => {
    const sessions = await sessionRows(victim.id)
    await expectApiError(await postJson('/api/login', { username: attack, password: attack }), 401, 'INVALID_CREDENTIALS')
    await expectApiError(await postJson('/api/login', { username: victim.username, password: attack }), 401, 'INVALID_CREDENTIALS')
    await expectApiError(await postJson('/api/register', { username: attack, password: PASSWORD }), 400, 'VALIDATION_ERROR')
    expect(await usersNamed(attack)).toBe(0)
    await expectVictimUntouched(sessions)
  })

  it.each([
    ['a % wildcard', (name: string) => `${name.slice(0, 4)}%`],
    ['a _ wildcard', (name: string) => `_${name.slice(1)}`],
  ])('does not match the victim by %s in the name, even with the right password', async (_, pattern) => {
    const sessions = await sessionRows(victim.id)
    await expectApiError(await postJson('/api/login', { username: pattern(victim.username), password: PASSWORD }), 401, 'INVALID_CREDENTIALS')
    await expectVictimUntouched(sessions)
  })

  it('stores an injection-looking password as data: only the exact string signs in', async () => {
    const username = uniqueName('sqlpw')
    const password = '\' OR \'1\'=\'1\' -- x'
    expect((await postJson('/api/register', { username, password })).status).toBe(201)
    const [row] = await query<{ password: string }>('SELECT password FROM users WHERE username_key = ?', [username.toLowerCase()])
    expect(row!.password).not.toContain(password)
    await expectApiError(await postJson('/api/login', { username, password: '\' OR \'1\'=\'1' }), 401, 'INVALID_CREDENTIALS')
    expect((await postJson('/api/login', { username, password })).status).toBe(200)
  })
})
