const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const

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
    return new Intl.NumberFormat(tag(), {
      style: 'unit',
      unit: UNITS[unit],
      unitDisplay: 'short',
      maximumFractionDigits: unit === 0 ? 0 : value < 10 ? 1 : 0,
    }).format(value)
  }

  function date(iso: string): string {
    return new Intl.DateTimeFormat(tag(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso))
  }

  const dimensions = (width: number, height: number) => `${width} × ${height}`

  return { bytes, date, dimensions }
}
