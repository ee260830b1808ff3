import { randomBytes } from 'node:crypto'
import { fetch } from '@nuxt/test-utils/e2e'
import { expect } from 'vitest'
import type { ImageDto } from '../../shared/contracts/images'
import { bearer, makeImage, signUp, upload } from '../setup/api'
import { userId } from './accounts'
import { query, thumbnailsMade } from './db'

// Organizing (SPEC §8) through the API: users with images, JSON requests, and the rows behind them.

let made = 0

/** PNG bytes no other upload of the run has (a second upload of equal bytes is a duplicate, 409). */
export function uniqueImage(): Promise<Buffer> {
  made += 1
  return makeImage('png', 8 + (made % 40), 8 + Math.floor(made / 40) % 40, `#${randomBytes(3).toString('hex')}`)
}

/** Uploads a fresh image under each name, in order (so later names are newer); returns their DTOs. */
export async function uploadImages(token: string, names: string[]): Promise<ImageDto[]> {
  const images: ImageDto[] = []
  for (const name of names) {
    const res = await upload(token, await uniqueImage(), name)
    expect(res.status, await res.clone().text()).toBe(201)
    images.push((await res.json()).image)
  }
  return images
}

export interface Member { token: string, id: number, images: ImageDto[] }

/** A fresh user with images under the given names, their thumbnails made (tests compare stored files). */
export async function memberWith(names: string[]): Promise<Member> {
  const { token } = await signUp()
  const images = await uploadImages(token, names)
  if (images.length) await thumbnailsMade(ids(images))
  return { token, id: await userId(token), images }
}

/** A request with a JSON body (or raw text when `body` is a string) as `token`'s user. */
export function sendJson(method: string, path: string, token: string, body: unknown): Promise<Response> {
  return fetch(path, {
    method,
    headers: { ...bearer(token), 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

export const ids = (list: Array<{ id: number }>) => list.map(item => item.id)

/** A GET answered 200 with a JSON list; returns it and its Link header. */
export async function getList<T = ImageDto>(path: string, token: string): Promise<{ items: T[], link: string | null }> {
  const res = await fetch(path, { headers: bearer(token) })
  expect(res.status, await res.clone().text()).toBe(200)
  return { items: await res.json(), link: res.headers.get('link') }
}

/** Every page of a list, following its `Link: rel="next"` headers; returns the ids in order and the links seen. */
export async function walkPages(path: string, token: string): Promise<{ ids: number[], links: string[] }> {
  const seen: number[] = []
  const links: string[] = []
  let next: string | undefined = path
  while (next) {
    const { items, link }: { items: Array<{ id: number }>, link: string | null } = await getList(next, token)
    seen.push(...ids(items))
    next = link ? /^<([^>]+)>; rel="next"$/.exec(link)?.[1] : undefined
    if (link) links.push(link)
    expect(links.length).toBeLessThan(200)
  }
  return { ids: seen, links }
}

export interface ImageState { id: number, filename: string, favorite: number, deleted: number }

/** What the database holds for a user's images: id, name, favourite and trash flags, by id. */
export function imageStates(userId: number): Promise<ImageState[]> {
  return query<ImageState>('SELECT id, filename, favorite + 0 AS favorite, (deleted_at IS NOT NULL) + 0 AS deleted FROM images WHERE user_id = ? ORDER BY id', [userId])
}

/** Puts images in the trash through the API. */
export async function trash(token: string, imageIds: number[]): Promise<void> {
  for (const id of imageIds) {
    const res = await fetch(`/api/images/delete/${id}`, { method: 'DELETE', headers: bearer(token) })
    expect(res.status).toBe(200)
  }
}
