// Numbers and times as the dashboard prints them: dollars to the cent (or finer for small sums), counts grouped, times in the org's zone.

export function usd(value: number): string {
  const digits = value !== 0 && Math.abs(value) < 1 ? 4 : 2
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`
}

export const count = (value: number) => value.toLocaleString('en-US')

export function percent(part: number, whole: number): string {
  if (whole === 0) return '0%'
  return `${((100 * part) / whole).toFixed(1)}%`
}

/** Change against the previous period, e.g. "+12.5%" ("new" when there was nothing before). */
export function change(now: number, before: number): string {
  if (before === 0) return now === 0 ? '±0%' : 'new'
  const delta = ((now - before) / before) * 100
  return `${delta >= 0 ? '+' : ''}${delta.toFixed(1)}%`
}

export function dateTime(iso: string | number, zone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(new Date(iso))
}

export function dateOnly(ms: number, zone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric', month: 'short', day: '2-digit' }).format(new Date(ms))
}
