// Where a time zone's local hours start, as a remainder of UTC hours: 0 for most zones, 30 min for Asia/Kolkata, 15 min for Asia/Kathmandu.
import { HOUR_MS } from '../db/rollup-buckets.ts'

const formatters = new Map<string, Intl.DateTimeFormat>()

/** Offset of `zone` from UTC at instant `ms`, in ms (east positive); throws RangeError for an unknown zone. */
export function zoneOffsetMs(ms: number, zone: string): number {
  let format = formatters.get(zone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' })
    formatters.set(zone, format)
  }
  const parts: Record<string, number> = {}
  for (const part of format.formatToParts(new Date(ms))) if (part.type !== 'literal') parts[part.type] = Number(part.value)
  const minuteStart = ms - (((ms % 60_000) + 60_000) % 60_000)
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour! % 24, parts.minute!) - minuteStart
}

/** The UTC instants where `zone`'s local hours start are ≡ this (mod one hour) at `ms`. */
export function localHourPhase(ms: number, zone: string): number {
  return (((-zoneOffsetMs(ms, zone)) % HOUR_MS) + HOUR_MS) % HOUR_MS
}

/**
 * The phase of `zone`'s local hours over [from, to) when it holds throughout (sampled daily and at both ends, which
 * catches every offset change: none lasts under a day); undefined when it changes within the range (Australia/Lord_Howe's
 * half-hour DST), where only quarter hours are exact.
 */
export function steadyHourPhase(from: number, to: number, zone: string): number | undefined {
  const phase = localHourPhase(from, zone)
  for (let at = from; at < to; at += 86_400_000) if (localHourPhase(at, zone) !== phase) return undefined
  return localHourPhase(Math.max(from, to - 1), zone) === phase ? phase : undefined
}
