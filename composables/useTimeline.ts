import type { ImageDto, ImageSort } from '#shared/contracts/images'

const pad = (n: number) => String(n).padStart(2, '0')

/** An instant as this browser's wall-clock time, `YYYY-MM-DDTHH:MM:SS`. */
function localWallClock(iso: string): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso.slice(0, 19)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

const HAS_OFFSET = /(?:Z|[+-]\d\d:?\d\d)$/

/**
 * The wall-clock time an image sorts by, `YYYY-MM-DDTHH:MM:SS` (comparable as a string), like the API's
 * `sort=taken` key (SPEC §8): the capture time as the camera wrote it when it has no offset, else the
 * local time of the instant; for `uploaded`, and for photos without a capture time, the upload time.
 */
export function sortKeyOf(image: ImageDto, sort: ImageSort): string {
  const taken = sort === 'taken' ? image.taken_at : null
  if (taken) return HAS_OFFSET.test(taken) ? localWallClock(taken) : taken.slice(0, 19)
  return localWallClock(image.created_at)
}

/** Newest first in the given order, the id breaking ties (as the API pages them). */
export function newerFirst(sort: ImageSort) {
  return (a: ImageDto, b: ImageDto): number => {
    const ka = sortKeyOf(a, sort)
    const kb = sortKeyOf(b, sort)
    if (ka !== kb) return ka < kb ? 1 : -1
    // Uploaded in the same second: the API orders by the upload time's milliseconds (then the id).
    const byUpload = (image: ImageDto) => sort === 'uploaded' || !image.taken_at
    if (byUpload(a) && byUpload(b) && a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1
    return b.id - a.id
  }
}

export interface TimelineSection<T extends ImageDto = ImageDto> {
  /** Unique in the list (a month could in principle come back after another one). */
  key: string
  /** `YYYY-MM` */
  month: string
  label: string
  /** The photos of the month with their position in the whole list (the viewer and range selection use it). */
  entries: Array<{ image: T, index: number }>
}

/** Photos cut into months of their sort key, in the order given ("2023年4月" / "April 2023"). */
export function useTimeline<T extends ImageDto>(images: () => T[], sort: () => ImageSort | null) {
  const { locale, localeProperties } = useI18n()

  const monthLabel = (key: string) => {
    const [year, month] = key.split('-').map(Number)
    // A UTC date formatted in UTC: the month shown is the one in the key, whatever the time zone.
    return new Intl.DateTimeFormat(localeProperties.value.language ?? locale.value, { year: 'numeric', month: 'long', timeZone: 'UTC' })
      .format(Date.UTC(year ?? 1970, (month ?? 1) - 1, 1))
  }

  return computed<TimelineSection<T>[]>(() => {
    const order = sort()
    const list = images()
    if (!order) return [{ key: 'all', month: '', label: '', entries: list.map((image, index) => ({ image, index })) }]
    const sections: TimelineSection<T>[] = []
    list.forEach((image, index) => {
      const month = sortKeyOf(image, order).slice(0, 7)
      let section = sections.at(-1)
      if (section?.month !== month) {
        section = { key: `${month}:${sections.length}`, month, label: monthLabel(month), entries: [] }
        sections.push(section)
      }
      section.entries.push({ image, index })
    })
    return sections
  })
}
