// The usage numbers the pages show: hourly rollup reports from the API, summed into hour or zone-day buckets, totals and previous periods.
import type { UsageReport, UsageRow } from '../../types/dashboard-api.ts'
import { api, query } from './api.ts'
import { addZoneDays, bucketRows, startOfZoneDay, zoneMidnight } from './zone-time.ts'

/** The usage API's answers, as the server types them (src/types/dashboard-api.ts). */
export type { UsageReport, UsageRow }

export interface Range {
  from: number
  to: number
  /** The period just before, of the same length in days (or hours). */
  previousFrom: number
  previousTo: number
  label: string
}

export const PRESETS = ['24h', '7d', '30d', '90d'] as const

/** A preset ("7d": today and the six days before, in the zone) or explicit zone dates "YYYY-MM-DD". */
export function rangeOf(preset: string, fromDate: string | undefined, toDate: string | undefined, now: number, zone: string): Range {
  if (fromDate && toDate && /^\d{4}-\d{2}-\d{2}$/.test(fromDate) && /^\d{4}-\d{2}-\d{2}$/.test(toDate)) {
    const [fy, fm, fd] = fromDate.split('-').map(Number) as [number, number, number]
    const [ty, tm, td] = toDate.split('-').map(Number) as [number, number, number]
    const from = zoneMidnight(fy, fm, fd, zone)
    const to = zoneMidnight(ty, tm, td + 1, zone)
    if (from < to) {
      const days = Math.round((to - from) / 86_400_000)
      return { from, to, previousFrom: addZoneDays(from, -days, zone), previousTo: from, label: `${fromDate} to ${toDate}` }
    }
  }
  if (preset === '24h') {
    const to = Math.ceil((now + 1) / 3_600_000) * 3_600_000
    return { from: to - 86_400_000, to, previousFrom: to - 2 * 86_400_000, previousTo: to - 86_400_000, label: 'last 24 hours' }
  }
  const days = Number.parseInt(preset, 10) || 7
  const to = addZoneDays(now, 1, zone)
  const from = addZoneDays(startOfZoneDay(now, zone), -(days - 1), zone)
  return { from, to, previousFrom: addZoneDays(from, -days, zone), previousTo: from, label: `last ${days} days` }
}

export interface Filter {
  provider?: string
  model?: string
  key?: string
  /** The end-user id requests carried. */
  user?: string
  tag?: string
  /** ok or error. */
  status?: string
}

/** Every filter a usage page keeps in its URL. */
export const FILTER_NAMES = ['provider', 'model', 'key', 'user', 'tag', 'status'] as const

/**
 * The series grouping for a bucket size: the server answers zone days (or, across a DST change, the zone's hours,
 * which seriesOf folds into days the same way) and local hours; both from the rollups every page reads.
 */
export const seriesGroup = (grain: 'hour' | 'day') => (grain === 'day' ? 'day' : 'hour')

export function usage(groupBy: string, from: number, to: number, filter: Filter = {}): Promise<UsageReport> {
  return api<UsageReport>(`/usage${query({ group_by: groupBy, from: new Date(from).toISOString(), to: new Date(to).toISOString(), ...filter })}`)
}

const SUMMED = ['requests', 'errors', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens', 'cost_micros', 'unpriced_requests', 'estimated_requests'] as const

export function addRows(into: UsageRow | undefined, row: UsageRow): UsageRow {
  const sum: UsageRow = into ? { ...into } : { ...row, group: row.group }
  if (into) for (const field of SUMMED) sum[field] = into[field] + row[field]
  sum.cost_usd = sum.cost_micros / 1_000_000
  return sum
}

export interface Series {
  starts: number[]
  rows: (UsageRow | undefined)[]
}

/** A series report (seriesGroup: zone days or local hours) as hour or zone-day buckets over the range. */
export function seriesOf(report: UsageReport, range: { from: number; to: number }, grain: 'hour' | 'day', zone: string): Series {
  return bucketRows(report.data, (row) => Date.parse(row.group), addRows, range.from, range.to, grain, zone)
}

export type Metric = 'cost' | 'requests' | 'tokens' | 'errors'
export const METRICS: readonly { id: Metric; label: string }[] = [
  { id: 'cost', label: 'Spend (USD)' },
  { id: 'requests', label: 'Requests' },
  { id: 'tokens', label: 'Tokens (input + output)' },
  { id: 'errors', label: 'Errors' },
]

export function metricOf(row: UsageRow | undefined, metric: Metric): number {
  if (!row) return 0
  if (metric === 'cost') return row.cost_micros / 1_000_000
  if (metric === 'tokens') return row.input_tokens + row.output_tokens
  return row[metric]
}
