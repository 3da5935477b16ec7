// The token rates in force at a request's UTC time of day: a table entry's daily window (DeepSeek peak hours), else its own.
import type { PriceFields, PriceTableEntry, TimeWindow, TokenRates } from './types.ts'

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/

/** Minutes after 00:00 UTC for `HH:MM`; undefined for anything else (the table test rejects such rows). */
export function clockMinutes(hhmm: string): number | undefined {
  const m = CLOCK.exec(hhmm)
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined
}

export function inWindow(window: TimeWindow, at: Date): boolean {
  if (window.weekdays && !window.weekdays.includes(at.getUTCDay())) return false
  const from = clockMinutes(window.from)
  const to = clockMinutes(window.to)
  if (from === undefined || to === undefined) return false
  const minute = at.getUTCHours() * 60 + at.getUTCMinutes()
  // `to` not after `from`: the window runs past midnight (16:30–00:30).
  return from < to ? minute >= from && minute < to : minute >= from || minute < to
}

const TOKEN_RATE_KEYS = [
  'inputMicrosPerMTok', 'outputMicrosPerMTok', 'cacheReadMicrosPerMTok', 'cacheWriteMicrosPerMTok', 'thinkingOutputMicrosPerMTok',
] as const satisfies readonly (keyof TokenRates)[]

/**
 * The entry's fields with the matching window's token rates in place of its own. All token rates are replaced, so a
 * rate the window leaves out is unknown in that window rather than silently the base (off-peak) rate.
 */
export function fieldsAt(entry: PriceTableEntry, at: Date): PriceFields {
  const window = entry.timeWindows?.find((w) => inWindow(w, at))
  if (!window) return entry
  const fields: PriceFields = { ...entry }
  for (const key of TOKEN_RATE_KEYS) {
    if (window.rates[key] === undefined) delete fields[key]
    else fields[key] = window.rates[key]
  }
  return fields
}
