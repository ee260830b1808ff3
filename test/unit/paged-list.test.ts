import { describe, expect, it } from 'vitest'
import { ref } from 'vue'
import { apiFailure } from '../../composables/apiError'
import { appendNextPage } from '../../composables/pagedList'

interface Row { id: number }
const rows = (...ids: number[]): Row[] => ids.map(id => ({ id }))
const invalidCursor = () => apiFailure(400, { code: 'INVALID_CURSOR', message: '分页参数无效' })

/** A list holding `ids`, and a fetcher that answers from `answers` in turn, recording each cursor asked. */
function setup(ids: number[], answers: Array<{ page: Row[], more: boolean } | Error | ReturnType<typeof apiFailure>>) {
  const list = { items: ref(rows(...ids)), hasMore: ref(true) }
  const cursors: Array<number | undefined> = []
  const fetchBefore = async (before: number | undefined) => {
    cursors.push(before)
    const answer = answers.shift()
    if (!answer || !('page' in answer)) throw answer
    return answer
  }
  return { list, cursors, fetchBefore }
}

describe('appendNextPage', () => {
  it('appends the next page from the last entry held, skipping entries already held', async () => {
    const { list, cursors, fetchBefore } = setup([9, 8], [{ page: rows(8, 7, 6), more: false }])
    await appendNextPage(list, fetchBefore)
    expect(cursors).toEqual([8])
    expect(list.items.value.map(r => r.id)).toEqual([9, 8, 7, 6])
    expect(list.hasMore.value).toBe(false)
  })

  it('drops a cursor entry the API no longer knows and pages on from the one before', async () => {
    const { list, cursors, fetchBefore } = setup([9, 8, 7], [invalidCursor(), invalidCursor(), { page: rows(5), more: true }])
    await appendNextPage(list, fetchBefore)
    expect(cursors).toEqual([7, 8, 9])
    expect(list.items.value.map(r => r.id)).toEqual([9, 5])
    expect(list.hasMore.value).toBe(true)
  })

  it('gives up after three dropped cursors and throws the failure', async () => {
    const { list, cursors, fetchBefore } = setup([9, 8, 7, 6, 5], Array.from({ length: 5 }, invalidCursor))
    await expect(appendNextPage(list, fetchBefore)).rejects.toMatchObject({ code: 'INVALID_CURSOR' })
    expect(cursors).toEqual([5, 6, 7, 8])
    expect(list.items.value.map(r => r.id)).toEqual([9, 8])
  })

  it('throws any other failure at once and keeps the list', async () => {
    const { list, cursors, fetchBefore } = setup([9, 8], [apiFailure(0, null)])
    await expect(appendNextPage(list, fetchBefore)).rejects.toMatchObject({ code: 'NETWORK_ERROR' })
    expect(cursors).toEqual([8])
    expect(list.items.value.map(r => r.id)).toEqual([9, 8])
  })

  it('drops a page that arrives after the list was loaded afresh', async () => {
    const { list, fetchBefore } = setup([9, 8], [{ page: rows(7), more: false }])
    await appendNextPage(list, fetchBefore, () => false)
    expect(list.items.value.map(r => r.id)).toEqual([9, 8])
    expect(list.hasMore.value).toBe(true)
  })
})
