import { fetch } from '@nuxt/test-utils/e2e'
import { beforeAll, describe, expect, it } from 'vitest'
import { bearer } from '../setup/api'
import { startServer } from '../setup/server'
import { query } from '../support/db'
import { expectApiError } from '../support/errors'
import { getList, ids, type Member, memberWith, sendJson, trash, walkPages } from '../support/organize'

// GET /api/images with favorite=true, q= and sort=taken (SPEC §8): only live images, each filter's
// cursor paging follows its own order, and the Link header keeps the filters.

await startServer()

let member: Member
let other: Member
/** The member's images by name. */
const named = (name: string) => member.images.find(i => i.filename === name)!.id

const NAMES = ['Summer_2024.PNG', 'summerX2024.png', '50%off.png', '50off.png', 'bang!.png', 'bang.png', 'back-slash.png', 'plain.png']

beforeAll(async () => {
  member = await memberWith(NAMES)
  other = await memberWith(['summer_other.png'])
})

/** The member's live images in upload order, newest first. */
const newestFirst = () => ids(member.images).reverse()

describe('favorite=true', () => {
  it('lists only favourites, newest first, and pages them with the filter kept in Link', async () => {
    const favourites = ['Summer_2024.PNG', '50off.png', 'bang.png', 'plain.png'].map(named)
    const batch = await sendJson('POST', '/api/images/batch', member.token, { action: 'favorite', image_ids: favourites })
    expect(batch.status).toBe(200)
    const { ids: walked, links } = await walkPages('/api/images?favorite=true&limit=2', member.token)
    expect(walked).toEqual(newestFirst().filter(id => favourites.includes(id)))
    expect(links[0]).toBe(`</api/images?limit=2&before=${walked[1]}&favorite=true>; rel="next"`)
    // Each DTO says it is a favourite.
    const { items } = await getList('/api/images?favorite=true', member.token)
    expect(items.every(i => i.favorite)).toBe(true)
    // A cursor that is no longer a favourite keeps its place in the order.
    expect((await sendJson('PATCH', `/api/images/${walked[1]}`, member.token, { favorite: false })).status).toBe(200)
    expect(ids((await getList(`/api/images?favorite=true&before=${walked[1]}`, member.token)).items)).toEqual(walked.slice(2))
    expect((await sendJson('PATCH', `/api/images/${walked[1]}`, member.token, { favorite: true })).status).toBe(200)
  })

  it('favorite=false lists the others', async () => {
    const { items } = await getList('/api/images?favorite=false', member.token)
    expect(items.length).toBeGreaterThan(0)
    expect(items.every(i => !i.favorite)).toBe(true)
  })
})

describe('q', () => {
  it.each([
    ['summer', ['Summer_2024.PNG', 'summerX2024.png']],
    ['SUMMER_', ['Summer_2024.PNG']],
    ['%', ['50%off.png']],
    ['50%', ['50%off.png']],
    ['_', ['Summer_2024.PNG']],
    ['!', ['bang!.png']],
    ['-SLASH', ['back-slash.png']],
    ['\\', []],
    ['.png', NAMES],
    ['  plain  ', ['plain.png']],
    ['nothing-like-this', []],
  ])('q=%s matches the names containing it, case-insensitively and literally', async (q, expected) => {
    const { items } = await getList(`/api/images?q=${encodeURIComponent(q)}`, member.token)
    expect(items.map(i => i.filename).sort()).toEqual([...expected].sort())
    expect(ids(items)).toEqual(newestFirst().filter(id => ids(items).includes(id)))
  })

  it('pages a search with q kept (encoded) in Link, and never shows another user\'s match', async () => {
    const { ids: walked, links } = await walkPages('/api/images?q=a&limit=1', member.token)
    expect(walked).toEqual(newestFirst().filter(id => member.images.find(i => i.id === id)!.filename.toLowerCase().includes('a')))
    expect(links[0]).toBe(`</api/images?limit=1&before=${walked[0]}&q=a>; rel="next"`)
    const spaced = await fetch('/api/images?q=a%20b%26c&limit=1', { headers: bearer(member.token) })
    expect(spaced.status).toBe(200)
    expect(await spaced.json()).toEqual([])
    expect(ids((await getList('/api/images?q=summer_other', member.token)).items)).toEqual([])
  })
})

describe('sort=taken', () => {
  it('orders by the capture key (sort_at), newest first, id breaking ties, and pages in that order', async () => {
    // The key is written at upload (taken_at, else the upload time); set here to known values with ties.
    const keys = ['2019-03-01 10:00:00', '2023-07-07 12:00:00', '2021-01-01 00:00:00', '2023-07-07 12:00:00',
      '2030-01-01 00:00:00', '2021-01-01 00:00:00', '2000-02-29 23:59:59.999', '2023-07-07 12:00:00']
    for (const [i, image] of member.images.entries()) await query('UPDATE images SET sort_at = ? WHERE id = ?', [keys[i], image.id])
    const expected = member.images.map((image, i) => ({ id: image.id, key: keys[i]! }))
      .sort((a, b) => (a.key === b.key ? b.id - a.id : a.key < b.key ? 1 : -1)).map(e => e.id)
    for (const limit of [1, 2, 3, 100]) {
      const { ids: walked, links } = await walkPages(`/api/images?sort=taken&limit=${limit}`, member.token)
      expect(walked, `limit ${limit}`).toEqual(expected)
      for (const link of links) expect(link).toMatch(new RegExp(`^</api/images\\?limit=${limit}&before=\\d+&sort=taken>; rel="next"$`))
    }
    // Upload order is untouched by it.
    expect(ids((await getList('/api/images', member.token)).items)).toEqual(newestFirst())
  })

  it('combines with favorite=true and q, each page following the same order', async () => {
    const all = (await walkPages('/api/images?sort=taken&limit=100', member.token)).ids
    const favourites = ids((await getList('/api/images?favorite=true&limit=100', member.token)).items)
    const withA = member.images.filter(i => i.filename.toLowerCase().includes('a')).map(i => i.id)
    const expected = all.filter(id => favourites.includes(id) && withA.includes(id))
    expect(expected.length).toBeGreaterThan(1)
    const { ids: walked, links } = await walkPages('/api/images?sort=taken&favorite=true&q=a&limit=1', member.token)
    expect(walked).toEqual(expected)
    expect(links[0]).toBe(`</api/images?limit=1&before=${walked[0]}&favorite=true&q=a&sort=taken>; rel="next"`)
  })
})

describe('the trash and the cursor', () => {
  it('leaves trashed images out of every order and filter, and refuses one as the cursor', async () => {
    const gone = named('plain.png')
    await trash(member.token, [gone])
    for (const path of ['/api/images', '/api/images?sort=taken', '/api/images?favorite=true', '/api/images?q=plain']) {
      expect(ids((await getList(`${path}${path.includes('?') ? '&' : '?'}limit=100`, member.token)).items), path).not.toContain(gone)
    }
    for (const path of ['/api/images', '/api/images?sort=taken&', '/api/images?favorite=true&']) {
      const sep = path.endsWith('&') ? '' : '?'
      await expectApiError(await fetch(`${path}${sep}before=${gone}`, { headers: bearer(member.token) }), 400, 'INVALID_CURSOR')
    }
    member.images = member.images.filter(i => i.id !== gone)
  })

  it('refuses another user\'s image or a missing one as the cursor, whatever the filter', async () => {
    for (const filter of ['', '&sort=taken', '&favorite=true', '&q=summer']) {
      for (const before of [other.images[0]!.id, 2147483647]) {
        await expectApiError(await fetch(`/api/images?before=${before}${filter}`, { headers: bearer(member.token) }), 400, 'INVALID_CURSOR')
      }
    }
  })
})

describe('bad list parameters', () => {
  it.each([
    ['favorite=yes'], ['favorite=1'], ['favorite='], ['sort=name'], ['sort=TAKEN'], ['sort='],
    ['q of 101 characters', `q=${'x'.repeat(101)}`], ['q of 101 CJK characters', `q=${encodeURIComponent('长'.repeat(101))}`],
    ['q='], ['q=%20%20'], ['q of 10,000 characters', `q=${'y'.repeat(10_000)}`],
    ['limit=0&q=a'], ['before=abc&sort=taken'],
  ])('answers 400 INVALID_QUERY for %s', async (label, params = label) => {
    await expectApiError(await fetch(`/api/images?${params}`, { headers: bearer(member.token) }), 400, 'INVALID_QUERY')
  })

  it('accepts a q of exactly 100 characters', async () => {
    expect((await getList(`/api/images?q=${'z'.repeat(100)}`, member.token)).items).toEqual([])
  })
})
