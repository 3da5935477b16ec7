// Calendar period boundaries in UTC and IANA zones, across DST, offsets with half hours, weeks and months.
import { describe, expect, test } from 'bun:test'
import { isValidTimeZone, periodEnd, periodStart, type BudgetPeriod } from '../../src/limits/period.ts'

const at = (iso: string): number => Date.parse(iso)
const HOUR = 3_600_000

function bounds(period: BudgetPeriod, iso: string, tz: string): [string, string] {
  const now = at(iso)
  const end = periodEnd(period, now, tz)
  return [new Date(periodStart(period, now, tz)).toISOString(), Number.isFinite(end) ? new Date(end).toISOString() : String(end)]
}

describe('periodStart / periodEnd in UTC', () => {
  test('day', () => {
    expect(bounds('day', '2024-05-15T13:45:12.345Z', 'UTC')).toEqual(['2024-05-15T00:00:00.000Z', '2024-05-16T00:00:00.000Z'])
    expect(bounds('day', '2024-05-15T00:00:00.000Z', 'UTC')).toEqual(['2024-05-15T00:00:00.000Z', '2024-05-16T00:00:00.000Z'])
    expect(bounds('day', '2024-05-14T23:59:59.999Z', 'UTC')).toEqual(['2024-05-14T00:00:00.000Z', '2024-05-15T00:00:00.000Z'])
  })

  test('ISO week starts Monday', () => {
    // 2024-06-09 is a Sunday: still the week that began Monday 2024-06-03.
    expect(bounds('week', '2024-06-09T23:00:00Z', 'UTC')).toEqual(['2024-06-03T00:00:00.000Z', '2024-06-10T00:00:00.000Z'])
    expect(bounds('week', '2024-06-10T00:00:00Z', 'UTC')).toEqual(['2024-06-10T00:00:00.000Z', '2024-06-17T00:00:00.000Z'])
    // A week spanning a year change starts in the previous year.
    expect(bounds('week', '2025-01-01T12:00:00Z', 'UTC')).toEqual(['2024-12-30T00:00:00.000Z', '2025-01-06T00:00:00.000Z'])
  })

  test('month, including February in leap and common years and December', () => {
    expect(bounds('month', '2024-02-29T23:59:59.999Z', 'UTC')).toEqual(['2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'])
    expect(bounds('month', '2023-02-15T00:00:00Z', 'UTC')).toEqual(['2023-02-01T00:00:00.000Z', '2023-03-01T00:00:00.000Z'])
    expect(bounds('month', '2024-03-01T00:00:00Z', 'UTC')).toEqual(['2024-03-01T00:00:00.000Z', '2024-04-01T00:00:00.000Z'])
    expect(bounds('month', '2024-12-31T18:00:00Z', 'UTC')).toEqual(['2024-12-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z'])
    expect(periodEnd('month', at('2024-02-10T00:00:00Z'), 'UTC') - periodStart('month', at('2024-02-10T00:00:00Z'), 'UTC')).toBe(29 * 24 * HOUR)
    expect(periodEnd('month', at('2023-02-10T00:00:00Z'), 'UTC') - periodStart('month', at('2023-02-10T00:00:00Z'), 'UTC')).toBe(28 * 24 * HOUR)
  })

  test('total never resets', () => {
    expect(periodStart('total', at('2024-05-15T13:45:00Z'), 'UTC')).toBe(0)
    expect(periodEnd('total', at('2024-05-15T13:45:00Z'), 'Asia/Kolkata')).toBe(Number.POSITIVE_INFINITY)
  })
})

describe('America/New_York across DST', () => {
  const tz = 'America/New_York'

  test('spring forward day (2024-03-10) is 23 hours long', () => {
    expect(bounds('day', '2024-03-10T12:00:00Z', tz)).toEqual(['2024-03-10T05:00:00.000Z', '2024-03-11T04:00:00.000Z'])
    // 01:59:59 EST, just before the jump, and 03:00 EDT, just after: same day.
    expect(periodStart('day', at('2024-03-10T06:59:59Z'), tz)).toBe(at('2024-03-10T05:00:00Z'))
    expect(periodStart('day', at('2024-03-10T07:00:00Z'), tz)).toBe(at('2024-03-10T05:00:00Z'))
    // 23:30 local on the 9th (EST) belongs to the 9th.
    expect(bounds('day', '2024-03-10T04:30:00Z', tz)).toEqual(['2024-03-09T05:00:00.000Z', '2024-03-10T05:00:00.000Z'])
  })

  test('fall back day (2024-11-03) is 25 hours long, repeated 01:xx hour stays in it', () => {
    expect(bounds('day', '2024-11-03T12:00:00Z', tz)).toEqual(['2024-11-03T04:00:00.000Z', '2024-11-04T05:00:00.000Z'])
    expect(periodStart('day', at('2024-11-03T05:30:00Z'), tz)).toBe(at('2024-11-03T04:00:00Z')) // 01:30 EDT
    expect(periodStart('day', at('2024-11-03T06:30:00Z'), tz)).toBe(at('2024-11-03T04:00:00Z')) // 01:30 EST
    expect(periodStart('day', at('2024-11-04T04:59:59.999Z'), tz)).toBe(at('2024-11-03T04:00:00Z'))
    expect(periodStart('day', at('2024-11-04T05:00:00Z'), tz)).toBe(at('2024-11-04T05:00:00Z'))
  })

  test('weeks and months that contain a transition', () => {
    expect(bounds('week', '2024-03-07T15:00:00Z', tz)).toEqual(['2024-03-04T05:00:00.000Z', '2024-03-11T04:00:00.000Z'])
    expect(bounds('week', '2024-03-13T15:00:00Z', tz)).toEqual(['2024-03-11T04:00:00.000Z', '2024-03-18T04:00:00.000Z'])
    expect(bounds('month', '2024-11-15T15:00:00Z', tz)).toEqual(['2024-11-01T04:00:00.000Z', '2024-12-01T05:00:00.000Z'])
    // 2024-03-01 02:00Z is still Feb 29 in New York (leap day).
    expect(bounds('month', '2024-03-01T02:00:00Z', tz)).toEqual(['2024-02-01T05:00:00.000Z', '2024-03-01T05:00:00.000Z'])
  })
})

describe('other zones', () => {
  test('Asia/Kolkata (+05:30) day and month', () => {
    expect(bounds('day', '2024-06-10T20:00:00Z', 'Asia/Kolkata')).toEqual(['2024-06-10T18:30:00.000Z', '2024-06-11T18:30:00.000Z'])
    expect(periodStart('day', at('2024-06-10T18:29:59.999Z'), 'Asia/Kolkata')).toBe(at('2024-06-09T18:30:00Z'))
    expect(bounds('month', '2024-02-29T18:30:00Z', 'Asia/Kolkata')).toEqual(['2024-02-29T18:30:00.000Z', '2024-03-31T18:30:00.000Z'])
  })

  test('midnight skipped by DST (America/Santiago 2022-09-11) starts the day at the jump', () => {
    expect(bounds('day', '2022-09-11T12:00:00Z', 'America/Santiago')).toEqual(['2022-09-11T04:00:00.000Z', '2022-09-12T03:00:00.000Z'])
    // The day before ends exactly where the skipped one begins.
    expect(periodEnd('day', at('2022-09-10T12:00:00Z'), 'America/Santiago')).toBe(at('2022-09-11T04:00:00Z'))
  })

  test('a calendar day that never happened (Pacific/Apia 2011-12-30)', () => {
    expect(bounds('day', '2011-12-29T12:00:00Z', 'Pacific/Apia')).toEqual(['2011-12-29T10:00:00.000Z', '2011-12-30T10:00:00.000Z'])
    expect(periodStart('day', at('2011-12-30T10:00:00Z'), 'Pacific/Apia')).toBe(at('2011-12-30T10:00:00Z'))
  })

  test('start <= now < end and boundaries are fixed points, for many instants', () => {
    const zones = ['UTC', 'America/New_York', 'Asia/Kolkata', 'Europe/London', 'Australia/Lord_Howe', 'America/Santiago', 'Pacific/Chatham']
    const periods: BudgetPeriod[] = ['day', 'week', 'month']
    let seed = 12345
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    for (let i = 0; i < 300; i++) {
      const now = at('2020-01-01T00:00:00Z') + Math.floor(rand() * 6 * 365 * 24 * HOUR)
      for (const tz of zones) {
        for (const p of periods) {
          const start = periodStart(p, now, tz)
          const end = periodEnd(p, now, tz)
          expect(start).toBeLessThanOrEqual(now)
          expect(end).toBeGreaterThan(now)
          expect(periodStart(p, start, tz)).toBe(start)
          expect(periodStart(p, end, tz)).toBe(end)
          expect(periodEnd(p, end - 1, tz)).toBe(end)
        }
      }
    }
  })
})

describe('time zone validation', () => {
  test('isValidTimeZone', () => {
    expect(isValidTimeZone('UTC')).toBe(true)
    expect(isValidTimeZone('America/New_York')).toBe(true)
    expect(isValidTimeZone('Asia/Kolkata')).toBe(true)
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false)
    expect(isValidTimeZone('')).toBe(false)
    expect(isValidTimeZone('+05:30x')).toBe(false)
  })

  test('unknown zone or non-finite time throws RangeError', () => {
    expect(() => periodStart('day', 0, 'Mars/Olympus_Mons')).toThrow(RangeError)
    expect(() => periodStart('total', 0, 'Mars/Olympus_Mons')).toThrow(RangeError)
    expect(() => periodEnd('day', Number.NaN, 'UTC')).toThrow(RangeError)
  })
})
