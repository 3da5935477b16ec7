// Calendar budget periods (day, ISO week, month, total) resolved to UTC instants in an IANA timezone.

/** The one list of budget periods: admin inputs, the CLI's help and the ledger all read it from here. */
export const BUDGET_PERIODS = ['day', 'week', 'month', 'total'] as const
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number]

/** A budget set without a period runs by the calendar month. */
export const DEFAULT_BUDGET_PERIOD: BudgetPeriod = 'month'

export function isBudgetPeriod(value: unknown): value is BudgetPeriod {
  return (BUDGET_PERIODS as readonly unknown[]).includes(value)
}

const DAY_MS = 86_400_000

interface WallDate {
  readonly year: number
  readonly month: number // 1-12
  readonly day: number
}

// Building a DateTimeFormat is far more expensive than using one; the set of zones in use is tiny.
const formatters = new Map<string, Intl.DateTimeFormat>()
const MAX_FORMATTERS = 1024

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (f === undefined) {
    // Throws RangeError for an unknown zone, which is what callers of the public functions get.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    if (formatters.size >= MAX_FORMATTERS) formatters.clear()
    formatters.set(timeZone, f)
  }
  return f
}

/** True when `tz` is an IANA zone name (or alias such as `UTC`) this runtime's Intl knows. */
export function isValidTimeZone(tz: string): boolean {
  if (typeof tz !== 'string' || tz.length === 0) return false
  try {
    formatter(tz)
    return true
  } catch {
    return false
  }
}

/**
 * The local wall clock at `ms`, expressed as milliseconds since the epoch as if that wall clock were UTC.
 * Differencing this with `ms` yields the zone's offset at that instant.
 */
function wallMs(ms: number, timeZone: string): number {
  let year = 0
  let month = 1
  let day = 1
  let hour = 0
  let minute = 0
  let second = 0
  for (const part of formatter(timeZone).formatToParts(ms)) {
    switch (part.type) {
      case 'year':
        year = Number(part.value)
        break
      case 'month':
        month = Number(part.value)
        break
      case 'day':
        day = Number(part.value)
        break
      case 'hour':
        // Some engines still print midnight as 24 despite h23.
        hour = Number(part.value) % 24
        break
      case 'minute':
        minute = Number(part.value)
        break
      case 'second':
        second = Number(part.value)
        break
    }
  }
  const subSecond = ((ms % 1000) + 1000) % 1000
  return Date.UTC(year, month - 1, day, hour, minute, second) + subSecond
}

function wallDate(ms: number, timeZone: string): WallDate {
  const d = new Date(wallMs(ms, timeZone))
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }
}

function offsetAt(ms: number, timeZone: string): number {
  return wallMs(ms, timeZone) - ms
}

/**
 * The first instant whose local date in `timeZone` is on or after the given date: normally local 00:00,
 * but where midnight is skipped by a DST jump (e.g. America/Santiago, or Pacific/Apia's missing
 * 2011-12-30) it is the transition instant, and where midnight repeats it is the earlier occurrence.
 */
function firstInstantOfLocalDate(year: number, month: number, day: number, timeZone: string): number {
  const target = Date.UTC(year, month - 1, day)
  // Zone offsets stay within ±14h, so the instants a day either side bracket any transition near midnight;
  // their offsets are the only two candidates (the same resolution Temporal uses for wall-clock times).
  const offsetBefore = offsetAt(target - DAY_MS, timeZone)
  const offsetAfter = offsetAt(target + DAY_MS, timeZone)
  let best = Number.POSITIVE_INFINITY
  for (const candidate of [target - offsetBefore, target - offsetAfter]) {
    if (wallMs(candidate, timeZone) === target && candidate < best) best = candidate
  }
  if (best !== Number.POSITIVE_INFINITY) return best

  // Midnight falls inside a gap. Local time is monotone across a forward jump, so bisect between the
  // candidate still showing the previous day and the one already past midnight.
  let lo = Math.min(target - offsetBefore, target - offsetAfter)
  let hi = Math.max(target - offsetBefore, target - offsetAfter)
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2)
    if (wallMs(mid, timeZone) >= target) hi = mid
    else lo = mid
  }
  return hi
}

function addDays(date: WallDate, days: number): WallDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days))
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }
}

/** Local calendar date on which the period containing `local` begins. */
function startDate(period: 'day' | 'week' | 'month', local: WallDate): WallDate {
  switch (period) {
    case 'day':
      return local
    case 'week': {
      // ISO 8601 weeks start on Monday; getUTCDay counts from Sunday = 0.
      const dow = new Date(Date.UTC(local.year, local.month - 1, local.day)).getUTCDay()
      return addDays(local, -((dow + 6) % 7))
    }
    case 'month':
      return { year: local.year, month: local.month, day: 1 }
  }
}

function nextStartDate(period: 'day' | 'week' | 'month', start: WallDate): WallDate {
  switch (period) {
    case 'day':
      return addDays(start, 1)
    case 'week':
      return addDays(start, 7)
    case 'month': {
      const d = new Date(Date.UTC(start.year, start.month, 1))
      return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: 1 }
    }
  }
}

interface Span {
  readonly start: number
  readonly end: number
}

// Every request consults its scopes' periods; remembering the current span per (period, zone) turns
// the common case into two comparisons instead of several formatToParts calls.
const spans = new Map<string, Span>()
const MAX_SPANS = 4096

function span(period: BudgetPeriod, nowMs: number, timeZone: string): Span {
  if (!Number.isFinite(nowMs)) throw new RangeError(`period: nowMs must be finite, got ${nowMs}`)
  if (period === 'total') {
    formatter(timeZone)
    return { start: 0, end: Number.POSITIVE_INFINITY }
  }
  const cacheKey = `${period}\u0000${timeZone}`
  const cached = spans.get(cacheKey)
  if (cached !== undefined && cached.start <= nowMs && nowMs < cached.end) return cached

  const first = startDate(period, wallDate(nowMs, timeZone))
  const next = nextStartDate(period, first)
  const fresh: Span = {
    start: firstInstantOfLocalDate(first.year, first.month, first.day, timeZone),
    end: firstInstantOfLocalDate(next.year, next.month, next.day, timeZone),
  }
  if (spans.size >= MAX_SPANS) spans.clear()
  spans.set(cacheKey, fresh)
  return fresh
}

/**
 * UTC instant (ms) at which the period containing `nowMs` began in `timeZone`.
 * `total` never resets, so its start is the epoch (0): "all spend ever recorded".
 * Throws RangeError for an unknown zone or a non-finite time.
 */
export function periodStart(period: BudgetPeriod, nowMs: number, timeZone: string): number {
  return span(period, nowMs, timeZone).start
}

/** UTC instant (ms) of the next boundary after `nowMs` (exclusive end of the period); Infinity for `total`. */
export function periodEnd(period: BudgetPeriod, nowMs: number, timeZone: string): number {
  return span(period, nowMs, timeZone).end
}

/** "YYYY-MM-DD": the local calendar date of `ms` in `timeZone` (a usage report's day). Throws RangeError for an unknown zone. */
export function localDateText(ms: number, timeZone: string): string {
  const date = wallDate(ms, timeZone)
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`
}
