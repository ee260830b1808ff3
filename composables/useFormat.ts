/** Byte units as people write them, in both languages ("740 B", "1.2 MB"); Intl's "byte" reads "740 byte". */
const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const

/** Locale-aware formatting of sizes, dates and dimensions. */
export function useFormat() {
  const { locale, localeProperties } = useI18n()
  const tag = () => localeProperties.value.language ?? locale.value

  function bytes(size: number): string {
    let value = size
    let unit = 0
    while (value >= 1024 && unit < UNITS.length - 1) {
      value /= 1024
      unit++
    }
    const number = new Intl.NumberFormat(tag(), { maximumFractionDigits: unit === 0 ? 0 : value < 10 ? 1 : 0 }).format(value)
    return `${number}\u00A0${UNITS[unit]}`
  }

  function date(iso: string): string {
    return new Intl.DateTimeFormat(tag(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso))
  }

  const dimensions = (width: number, height: number) => `${width} × ${height}`

  return { bytes, date, dimensions }
}
