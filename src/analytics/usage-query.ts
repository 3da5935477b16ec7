// Usage analytics read from the rollups (never the raw log), and the recent-request log with filters and a cursor.
import type { Client, InValue } from '@libsql/client'
import {
  ROLLUP_VALUE_COLUMNS,
  USAGE_EVENT_COLUMNS,
  usageEventFromRow,
  type RollupValueKey,
  type SnakeCase,
  type UsageEventKey,
  type UsageEventRow,
} from '../db/usage-columns.ts'
import { DAY_MS, HOUR_MS, QUARTER_MS, type Grain } from '../db/rollup-buckets.ts'
import type { COST_STATUSES } from '../db/schema.ts'

import { GROUPS, type GroupBy } from './usage-groups.ts'
import { steadyHourPhase, zoneOffsetMs } from './zone-hours.ts'

export { GROUPS, type GroupBy }

export interface UsageFilter {
  orgId?: string
  keyId?: string
  provider?: string
  model?: string
  /** The request's end-user id, exactly. */
  user?: string
  /** One tag the request carried. */
  tag?: string
  /** ok: HTTP status below 400; error: 400 and above. */
  outcome?: 'ok' | 'error'
  from: number
  to: number
}

/** One group's sums, named as their usage_rollups columns, with the cost in dollars beside the micro-dollars. */
export type UsageRow = { group: string } & { [K in RollupValueKey as SnakeCase<K>]: number } & {
  cost_usd: number
  /** Grouped by key or org: the key's or org's name beside its id in `group`. */
  name?: string | null
}

const SUMS = ROLLUP_VALUE_COLUMNS.map(({ name }) => `SUM(${name}) AS ${name}`).join(', ')
const VALUES = ROLLUP_VALUE_COLUMNS.map(({ name }) => name).join(', ')

const GROUP_COLUMN: Record<GroupBy, string> = {
  quarter: 'bucket_start',
  hour: 'bucket_start',
  day: 'bucket_start',
  provider: 'provider',
  model: "provider || '/' || model",
  key: 'key_id',
  org: 'org_id',
  user: 'user',
}

/** Where a grouping's ids have their names. */
const NAME_TABLE: Partial<Record<GroupBy, string>> = { key: 'api_keys', org: 'orgs' }

/** One part of a report: a grain read over [from, to) (aligned to it), its buckets mapped to groups by `column`. */
interface Segment {
  grain: Grain
  column: string
  from: number
  to: number
  /** Buckets this part reads, when not the whole range (a zone's midnight hours in quarters). */
  only?: { sql: string; args: InValue[] }
}

const ceilTo = (at: number, size: number) => Math.ceil(at / size) * size
const floorTo = (at: number, size: number) => Math.floor(at / size) * size

/**
 * [from, to) in whole UTC hours, with the parts before the first and after the last in quarter hours: exact for any
 * zone's midnights (Asia/Kolkata's fall on :30) while reading hour rollups for all but the edges.
 */
function hoursWithQuarterEdges(from: number, to: number, column: string): Segment[] {
  const first = ceilTo(from, HOUR_MS)
  const last = Math.max(first, floorTo(to, HOUR_MS))
  if (first >= to) return [{ grain: 'quarter', column, from: floorTo(from, QUARTER_MS), to }]
  const parts: Segment[] = [{ grain: 'hour', column, from: first, to: last }]
  if (from < first) parts.push({ grain: 'quarter', column, from: floorTo(from, QUARTER_MS), to: first })
  if (last < to) parts.push({ grain: 'quarter', column, from: last, to })
  return parts.filter((part) => part.from < part.to)
}

/** The zone's offset when it holds over [from, to) (sampled daily and at both ends), else undefined. */
function steadyOffset(from: number, to: number, zone: string): number | undefined {
  const offset = zoneOffsetMs(from, zone)
  for (let at = from; at < to; at += DAY_MS) if (zoneOffsetMs(at, zone) !== offset) return undefined
  return zoneOffsetMs(Math.max(from, to - 1), zone) === offset ? offset : undefined
}

/**
 * Which rollups answer, and how their buckets become groups. Without a zone: hour groups are UTC hours, day groups
 * UTC days (the day rollups), other groupings read hours. With the reporting zone: hour groups are its local hours
 * (quarter hours summed into :30 or :45 hours where needed), day groups its local days (hour rollups, with the hours
 * holding a midnight read in quarters; its hours instead while a DST change falls in the range, which the dashboard
 * folds into days), and other groupings read whole hours plus quarter-hour edges, so every grouping of a range sums
 * exactly the same buckets.
 */
function segments(groupBy: GroupBy, filter: UsageFilter, zone: string | undefined): Segment[] {
  const { from, to } = filter
  if (groupBy === 'quarter') return [{ grain: 'quarter', column: GROUP_COLUMN.quarter, from: floorTo(from, QUARTER_MS), to }]
  if (groupBy === 'day') {
    const offset = zone ? steadyOffset(from, to, zone) : 0
    if (offset === 0) return [{ grain: 'day', column: GROUP_COLUMN.day, from: floorTo(from, DAY_MS), to }]
    if (offset === undefined) return segments('hour', filter, zone)
    const column = `((bucket_start + ${offset}) / ${DAY_MS}) * ${DAY_MS} - ${offset}`
    if (offset % HOUR_MS === 0) return [{ grain: 'hour', column, from: floorTo(from, HOUR_MS), to }]
    // The hours that hold a local midnight, read as their four quarters; every other hour as itself. An hour [h, h+1h)
    // holds one exactly when h's local time of day is past 23:00 (never exactly midnight: the offset is not whole
    // hours). A test of fixed size, not a list of the range's midnights: a long range would exceed SQLite's variables.
    const holdsMidnight = (hourStart: string) => `((((${hourStart}) + ${offset}) % ${DAY_MS}) + ${DAY_MS}) % ${DAY_MS} > ${DAY_MS - HOUR_MS}`
    return [
      { grain: 'hour', column, from: floorTo(from, HOUR_MS), to, only: { sql: `NOT (${holdsMidnight('bucket_start')})`, args: [] } },
      { grain: 'quarter', column, from: floorTo(from, QUARTER_MS), to, only: { sql: holdsMidnight(`(bucket_start / ${HOUR_MS}) * ${HOUR_MS}`), args: [] } },
    ]
  }
  if (groupBy === 'hour') {
    const phase = zone ? steadyHourPhase(from, to, zone) : 0
    if (phase === 0) return [{ grain: 'hour', column: GROUP_COLUMN.hour, from: floorTo(from, HOUR_MS), to }]
    if (phase === undefined) return [{ grain: 'quarter', column: GROUP_COLUMN.quarter, from: floorTo(from, QUARTER_MS), to }]
    return [{ grain: 'quarter', column: `((bucket_start - ${phase}) / ${HOUR_MS}) * ${HOUR_MS} + ${phase}`, from: floorTo(from, QUARTER_MS), to }]
  }
  // Without a zone a range keeps to whole hours (as it always has); with one, its edges are exact.
  return zone ? hoursWithQuarterEdges(from, to, GROUP_COLUMN[groupBy]) : [{ grain: 'hour', column: GROUP_COLUMN[groupBy], from: floorTo(from, HOUR_MS), to }]
}

/** A user, tag or status filter (or a user grouping) reads the grains split by those; the others hold fewer rows. */
function splitGrain(grain: Grain, column: string): { grain: Grain; column: string } {
  if (grain === 'day') return { grain: 'hour_dims', column: column === GROUP_COLUMN.day ? `(bucket_start / ${DAY_MS}) * ${DAY_MS}` : column }
  return { grain: grain === 'quarter' ? 'quarter_dims' : 'hour_dims', column }
}

/** The JSON-array tag set holds `tag` (the rollups store '' for none, the raw rows null). */
const TAG_MATCH = "EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(tags) THEN tags ELSE '[]' END) WHERE value = ?)"

/** Adds the filter's org, key, provider, model, user and tag conditions (rollups and raw rows share these columns). */
function addScope(filter: UsageFilter, clauses: string[], args: InValue[]): void {
  for (const [column, value] of [['org_id', filter.orgId], ['key_id', filter.keyId], ['provider', filter.provider], ['model', filter.model], ['user', filter.user]] as const) {
    if (value !== undefined) {
      clauses.push(`${column} = ?`)
      args.push(value)
    }
  }
  if (filter.tag !== undefined) {
    clauses.push(TAG_MATCH)
    args.push(filter.tag)
  }
}

function where(filter: UsageFilter, segment: Segment): { sql: string; args: InValue[] } {
  const clauses = ['grain = ?', 'bucket_start >= ?', 'bucket_start < ?']
  const args: InValue[] = [segment.grain, segment.from, segment.to]
  addScope(filter, clauses, args)
  if (filter.outcome) {
    clauses.push('outcome = ?')
    args.push(filter.outcome)
  }
  if (segment.only) {
    clauses.push(segment.only.sql)
    args.push(...segment.only.args)
  }
  return { sql: clauses.join(' AND '), args }
}

function toRow(group: string, row: Readonly<Record<string, unknown>>): UsageRow {
  const usage: Record<string, unknown> = { group }
  for (const { name } of ROLLUP_VALUE_COLUMNS) {
    usage[name] = Number(row[name] ?? 0)
    if (name === 'cost_micros') usage.cost_usd = Number(row[name] ?? 0) / 1_000_000
  }
  // Every summed column was set above, named as the type names it.
  return usage as UsageRow
}

/** The groups partition the rows, so the totals are their sums (integers: exact). */
function totalOf(rows: readonly UsageRow[]): UsageRow {
  const sums: Record<string, number> = {}
  for (const { name } of ROLLUP_VALUE_COLUMNS) sums[name] = rows.reduce((n, row) => n + row[name], 0)
  return toRow('total', sums)
}

/** `zone`: the reporting zone whose local hours an hour grouping follows (default UTC hours). */
export async function queryUsage(client: Client, filter: UsageFilter, groupBy: GroupBy, zone?: string): Promise<{ data: UsageRow[]; totals: UsageRow }> {
  const split = groupBy === 'user' || filter.user !== undefined || filter.tag !== undefined || filter.outcome !== undefined
  const parts = segments(groupBy, filter, zone).map((part) => (split ? { ...part, ...splitGrain(part.grain, part.column) } : part))
  const args: InValue[] = []
  const clauses = parts.map((part) => where(filter, part))
  for (const clause of clauses) args.push(...clause.args)
  const selects = parts.map((part, i) => `SELECT ${part.column} AS grp, ${VALUES} FROM usage_rollups WHERE ${clauses[i]!.sql}`)
  // Several parts (hours and quarter-hour edges) are summed together: a bucket is in exactly one part.
  const groupedSql = parts.length === 1 ? `SELECT ${parts[0]!.column} AS grp, ${SUMS} FROM usage_rollups WHERE ${clauses[0]!.sql} GROUP BY grp` : `SELECT grp, ${SUMS} FROM (${selects.join(' UNION ALL ')}) GROUP BY grp`
  // Ids alone mean little to a reader: a key or org grouping carries the name too (null once the row is gone).
  const named = NAME_TABLE[groupBy]
  const query = named ? `SELECT g.*, n.name AS name FROM (${groupedSql}) g LEFT JOIN ${named} n ON n.id = g.grp ORDER BY g.grp` : `${groupedSql} ORDER BY grp`
  const grouped = await client.execute({ sql: query, args })
  const label = (value: unknown) => (groupBy === 'hour' || groupBy === 'day' || groupBy === 'quarter' ? new Date(Number(value)).toISOString() : String(value))
  const data = grouped.rows.map((row) => {
    const usage = toRow(label(row.grp), row as unknown as Record<string, unknown>)
    return named ? { ...usage, name: row.name === null || row.name === undefined ? null : String(row.name) } : usage
  })
  return { data, totals: totalOf(data) }
}

export type CostStatus = (typeof COST_STATUSES)[number]

export interface RequestLogFilter extends UsageFilter {
  limit: number
  /** Opaque cursor from a previous page. */
  cursor?: string
  /** ok: status below 400; error: 400 and above. */
  outcome?: 'ok' | 'error'
  costStatus?: CostStatus
}

function encodeCursor(startedAt: number, requestId: string): string {
  return Buffer.from(`${startedAt}:${requestId}`).toString('base64url')
}

function decodeCursor(cursor: string): { startedAt: number; requestId: string } | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  const at = text.indexOf(':')
  const startedAt = Number(text.slice(0, at))
  return at > 0 && Number.isFinite(startedAt) ? { startedAt, requestId: text.slice(at + 1) } : undefined
}

/** A stored row as the API shows it: its columns snake_case as in SQL, but the raw provider usage (kept for audit). */
export type RequestLogEntry = Omit<{ [K in UsageEventKey as SnakeCase<K>]: UsageEventRow[K] }, 'started_at' | 'tags' | 'raw_usage'> & {
  /** ISO 8601. */
  started_at: string
  cost_usd: number | null
  tags: string[]
}

/** How a column is shown when not as stored; `null` leaves it out. */
const PRESENTED: { readonly [K in UsageEventKey]?: ((row: UsageEventRow) => Record<string, unknown>) | null } = {
  startedAt: (row) => ({ started_at: new Date(row.startedAt).toISOString() }),
  costMicros: (row) => ({ cost_micros: row.costMicros, cost_usd: row.costMicros === null ? null : row.costMicros / 1_000_000 }),
  tags: (row) => ({ tags: row.tags ? (JSON.parse(row.tags) as string[]) : [] }),
  rawUsage: null,
}

export function requestLogEntry(row: UsageEventRow): RequestLogEntry {
  const entry: Record<string, unknown> = {}
  for (const { key, name } of USAGE_EVENT_COLUMNS) {
    const present = PRESENTED[key]
    if (present === undefined) entry[name] = row[key]
    else if (present !== null) Object.assign(entry, present(row))
  }
  // Every column is either copied under its SQL name or presented as the type says.
  return entry as RequestLogEntry
}

/** Newest first; the cursor continues strictly after the last row returned. */
export async function queryRequests(client: Client, filter: RequestLogFilter) {
  const clauses = ['started_at >= ?', 'started_at < ?']
  const args: InValue[] = [filter.from, filter.to]
  addScope(filter, clauses, args)
  if (filter.outcome) clauses.push(filter.outcome === 'ok' ? 'status < 400' : 'status >= 400')
  if (filter.costStatus) {
    clauses.push('cost_status = ?')
    args.push(filter.costStatus)
  }
  const after = filter.cursor ? decodeCursor(filter.cursor) : undefined
  if (after) {
    clauses.push('(started_at < ? OR (started_at = ? AND request_id < ?))')
    args.push(after.startedAt, after.startedAt, after.requestId)
  }
  args.push(filter.limit + 1)
  const result = await client.execute({
    sql: `SELECT * FROM usage_events WHERE ${clauses.join(' AND ')} ORDER BY started_at DESC, request_id DESC LIMIT ?`,
    args,
  })
  const rows = result.rows.slice(0, filter.limit).map((row) => requestLogEntry(usageEventFromRow(row as unknown as Record<string, unknown>)))
  const last = result.rows[filter.limit - 1] as unknown as Record<string, unknown> | undefined
  const nextCursor = result.rows.length > filter.limit && last ? encodeCursor(Number(last.started_at), String(last.request_id)) : null
  return { data: rows, next_cursor: nextCursor }
}
