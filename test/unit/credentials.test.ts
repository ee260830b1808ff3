import { describe, expect, it } from 'vitest'
import { credentialsSchema, usernameKey } from '#shared/contracts/auth'

const ok = (username: string, password = 'password123') => credentialsSchema.safeParse({ username, password }).success

describe('username rules', () => {
  it.each([
    ['abc', true],
    ['用户名', true],
    ['José_1.2-3', true],
    ['ab', false],
    ['a'.repeat(50), true],
    ['a'.repeat(51), false],
    ['has space', false],
    ['semi;colon', false],
    ['null\0byte', false],
    ['\' OR 1=1 --', false],
    ['', false],
    ['\u0301\u0308\u0301', false],
    ['\u0301abc', false],
    ['cafe\u0301', true],
  ])('%j is valid: %s', (name, valid) => {
    expect(ok(name)).toBe(valid)
  })

  it('normalises to NFC so composed and decomposed forms are one name', () => {
    const composed = credentialsSchema.parse({ username: 'caf\u00e9', password: 'password123' }).username
    const decomposed = credentialsSchema.parse({ username: 'cafe\u0301', password: 'password123' }).username
    expect(composed).toBe(decomposed)
  })

  it('compares case-insensitively but keeps accents apart', () => {
    expect(usernameKey('Alice')).toBe(usernameKey('aLICE'))
    expect(usernameKey('café')).not.toBe(usernameKey('cafe'))
  })
})

describe('password rules', () => {
  it.each([
    ['short', false],
    ['12345678', true],
    ['密'.repeat(64), true],
    ['x'.repeat(128), true],
    ['x'.repeat(129), false],
  ])('%j is valid: %s', (password, valid) => {
    expect(ok('someone', password)).toBe(valid)
  })

  it.each([[123], [null], [['a']], [{ $gt: '' }]])('refuses a non-string password %j', (password) => {
    expect(credentialsSchema.safeParse({ username: 'someone', password }).success).toBe(false)
  })
})
