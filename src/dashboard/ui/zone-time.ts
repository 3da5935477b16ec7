// Time in the organization's reporting zone, for the dashboard: zone midnights, and day buckets summed from the zone's hour rows.

const HOUR_MS = 3_600_000

const formatters = new Map<string, Intl.DateTimeFormat>()
function partsFormatter(zone: string): Intl.DateTimeFormat {
  let format = formatters.get(zone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
    formatters.set(zone, format)
  }
  return format
}

/** The wall clock in `zone` at instant `ms`. */
export function wallClock(ms: number, zone: string): { year: number; month: number; day: number; hour: number; minute: number } {
  const parts: Record<string, number> = {}
  for (const part of partsFormatter(zone).formatToParts(new Date(ms))) if (part.type !== 'literal') parts[part.type] = Number(part.value)
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour! % 24, minute: parts.minute! }
}

/** Offset of `zone` from UTC at instant `ms`, in ms (east positive). */
export function zoneOffset(ms: number, zone: string): number {
  const w = wallClock(ms, zone)
  const seconds = Math.floor(ms / 1000) % 60
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, seconds) - (ms - (ms % 1000))
}

/** The instant `zone`'s calendar day year-month-day begins (months from 1; days past the month's end roll over). */
export function zoneMidnight(year: number, month: number, day: number, zone: string): number {
  const wall = Date.UTC(year, month - 1, day)
  // Two rounds settle it even across a DST change (the offset at the guess, then at the corrected instant).
  let guess = wall - zoneOffset(wall, zone)
  guess = wall - zoneOffset(guess, zone)
  return guess
}

/** "YYYY-MM-DD" of instant `ms` in `zone`. */
export function dayKey(ms: number, zone: string): string {
  const w = wallClock(ms, zone)
  return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`
}

/** The start of the zone day holding `ms`. */
export function startOfZoneDay(ms: number, zone: string): number {
  const w = wallClock(ms, zone)
  return zoneMidnight(w.year, w.month, w.day, zone)
}

/** The start of the zone day `days` calendar days after the one holding `ms` (negative: before). */
export function addZoneDays(ms: number, days: number, zone: string): number {
  const w = wallClock(ms, zone)
  return zoneMidnight(w.year, w.month, w.day + days, zone)
}

/** Where `zone`'s local hours start at `ms`, as a remainder of UTC hours (0 for most zones, 30 min for Asia/Kolkata). */
export function localHourPhase(ms: number, zone: string): number {
  return (((-zoneOffset(ms, zone)) % HOUR_MS) + HOUR_MS) % HOUR_MS
}

/** Whether every hour of `zone` starts on a UTC hour (so hourly rollups add up to its days exactly) over [from, to). */
export function hourAligned(from: number, to: number, zone: string): boolean {
  for (let at = from; at < to; at += 24 * HOUR_MS) if (zoneOffset(at, zone) % HOUR_MS !== 0) return false
  return zoneOffset(to, zone) % HOUR_MS === 0
}

export interface Bucketed<R> {
  /** Bucket starts, ms, ascending: every hour or zone day of [from, to), empty buckets included. */
  starts: number[]
  /** The rows summed into each bucket (undefined: nothing in it). */
  rows: (R | undefined)[]
}

/**
 * Sums hourly rows (each stamped with its UTC hour start) into the buckets of [from, to): hours as they are, or the
 * zone's calendar days. Every hour lands in exactly one day, so the days add up to the same totals as the hours.
 */
export function bucketRows<R>(rows: readonly R[], startOf: (row: R) => number, add: (into: R | undefined, row: R) => R, from: number, to: number, grain: 'hour' | 'day', zone: string): Bucketed<R> {
  const starts: number[] = []
  // The zone's hours: on UTC hours for most zones, at :30 or :45 past for Asia/Kolkata or Asia/Kathmandu (the server's
  // hour rows start there too: they are summed from quarter-hour rollups).
  const phase = localHourPhase(from, zone)
  const hourOf = (at: number) => Math.floor((at - phase) / HOUR_MS) * HOUR_MS + phase
  if (grain === 'hour') for (let at = hourOf(from); at < to; at += HOUR_MS) starts.push(at)
  else for (let at = startOfZoneDay(from, zone); at < to; at = addZoneDays(at, 1, zone)) starts.push(at)
  const index = new Map(starts.map((start, i) => [start, i]))
  const out: (R | undefined)[] = starts.map(() => undefined)
  for (const row of rows) {
    const at = startOf(row)
    const bucket = grain === 'hour' ? hourOf(at) : startOfZoneDay(at, zone)
    const i = index.get(bucket)
    if (i !== undefined) out[i] = add(out[i], row)
  }
  return { starts, rows: out }
}
