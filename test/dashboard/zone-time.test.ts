// The dashboard's zone arithmetic: zone midnights across DST, and zone-day buckets summed from UTC hours that keep the totals.
import { expect, test } from 'bun:test'
import { addZoneDays, bucketRows, dayKey, hourAligned, startOfZoneDay, zoneMidnight, zoneOffset } from '../../src/dashboard/ui/zone-time.ts'

const HOUR = 3_600_000

test('zone midnights, also on DST change days', () => {
  expect(zoneMidnight(2026, 6, 1, 'UTC')).toBe(Date.UTC(2026, 5, 1))
  expect(zoneMidnight(2026, 6, 1, 'America/Los_Angeles')).toBe(Date.UTC(2026, 5, 1, 7))
  expect(zoneMidnight(2026, 1, 15, 'America/Los_Angeles')).toBe(Date.UTC(2026, 0, 15, 8))
  // 2026-03-08: LA springs forward at 02:00; the day is 23 hours long.
  const march8 = zoneMidnight(2026, 3, 8, 'America/Los_Angeles')
  expect(march8).toBe(Date.UTC(2026, 2, 8, 8))
  expect(addZoneDays(march8, 1, 'America/Los_Angeles') - march8).toBe(23 * HOUR)
  expect(zoneMidnight(2026, 6, 1, 'Asia/Tokyo')).toBe(Date.UTC(2026, 4, 31, 15))
  expect(zoneMidnight(2026, 6, 1, 'Asia/Kolkata')).toBe(Date.UTC(2026, 4, 31, 18, 30))
  expect(zoneOffset(Date.UTC(2026, 5, 1), 'Asia/Kolkata')).toBe(5.5 * HOUR)
  expect(dayKey(Date.UTC(2026, 5, 1, 6, 59), 'America/Los_Angeles')).toBe('2026-05-31')
  expect(startOfZoneDay(Date.UTC(2026, 5, 1, 6, 59), 'America/Los_Angeles')).toBe(Date.UTC(2026, 4, 31, 7))
})

test('whether hourly rollups add up to a zone\'s days exactly', () => {
  expect(hourAligned(Date.UTC(2026, 0, 1), Date.UTC(2026, 11, 31), 'America/Los_Angeles')).toBe(true)
  expect(hourAligned(Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 2), 'Asia/Kolkata')).toBe(false)
})

test('day buckets from hours: evening traffic west of UTC lands on its own local day, and totals are kept', () => {
  const zone = 'America/Los_Angeles'
  // 48 hourly rows from 2026-06-01T00:00Z, one request each.
  const rows = Array.from({ length: 48 }, (_, i) => ({ at: Date.UTC(2026, 5, 1) + i * HOUR, requests: 1 }))
  const from = zoneMidnight(2026, 5, 31, zone)
  const to = zoneMidnight(2026, 6, 3, zone)
  const add = (into: { at: number; requests: number } | undefined, row: { at: number; requests: number }) => ({ at: row.at, requests: (into?.requests ?? 0) + row.requests })
  const days = bucketRows(rows, (r) => r.at, add, from, to, 'day', zone)
  expect(days.starts.map((s) => dayKey(s, zone))).toEqual(['2026-05-31', '2026-06-01', '2026-06-02'])
  // 00:00Z–06:59Z on June 1 is still May 31 in LA (UTC-7): 7 hours; then 24; then the remaining 17.
  expect(days.rows.map((r) => r?.requests ?? 0)).toEqual([7, 24, 17])
  const hours = bucketRows(rows, (r) => r.at, add, from, to, 'hour', zone)
  expect(hours.starts.length).toBe(72)
  expect(hours.rows.reduce((n, r) => n + (r?.requests ?? 0), 0)).toBe(48)
})

test('hour buckets in Asia/Kolkata start at :30 past UTC hours, so each local day is whole hours', () => {
  const zone = 'Asia/Kolkata'
  const from = zoneMidnight(2026, 3, 10, zone)
  expect(new Date(from).toISOString()).toBe('2026-03-09T18:30:00.000Z')
  const rows = [{ at: from, requests: 2 }, { at: from + 23 * HOUR, requests: 1 }]
  const add = (into: { at: number; requests: number } | undefined, row: { at: number; requests: number }) => ({ at: row.at, requests: (into?.requests ?? 0) + row.requests })
  const hours = bucketRows(rows, (r) => r.at, add, from, from + 24 * HOUR, 'hour', zone)
  expect(hours.starts).toHaveLength(24)
  expect(hours.starts[0]).toBe(from)
  expect(hours.rows[0]?.requests).toBe(2)
  expect(hours.rows[23]?.requests).toBe(1)
  const days = bucketRows(rows, (r) => r.at, add, from, from + 24 * HOUR, 'day', zone)
  expect(days.rows.map((r) => r?.requests)).toEqual([3])
})
