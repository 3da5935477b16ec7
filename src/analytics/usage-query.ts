// Usage analytics read from the rollups (never the raw log), and the recent-request log with filters and a cursor.
import type { Client, InValue } from '@libsql/client'
import { DAY_MS, HOUR_MS } from '../metering/rollups.ts'

export const GROUPS = ['hour', 'day', 'provider', 'model', 'key', 'org'] as const
export type GroupBy = (typeof GROUPS)[number]

export interface UsageFilter {
  orgId?: string
  keyId?: string
  provider?: string
  model?: string
  from: number
  to: number
}

export interface UsageRow {
  group: string
  requests: number
  errors: number
  input_tokens: number
  output_tokens: number
  cache_read_tokens: number
  cache_write_tokens: number
  reasoning_tokens: number
  cost_micros: number
  cost_usd: number
  unpriced_requests: number
  estimated_requests: number
  /** Grouped by key or org: the key's or org's name beside its id in `group`. */
  name?: string | null
}

const SUMS = `SUM(requests) AS requests, SUM(errors) AS errors, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
  SUM(cache_read_tokens) AS cache_read_tokens, SUM(cache_write_tokens) AS cache_write_tokens, SUM(reasoning_tokens) AS reasoning_tokens,
  SUM(cost_micros) AS cost_micros, SUM(unpriced_requests) AS unpriced_requests, SUM(estimated_requests) AS estimated_requests`

const GROUP_COLUMN: Record<GroupBy, string> = {
  hour: 'bucket_start',
  day: 'bucket_start',
  provider: 'provider',
  model: "provider || '/' || model",
  key: 'key_id',
  org: 'org_id',
}

/** Where a grouping's ids have their names. */
const NAME_TABLE: Partial<Record<GroupBy, string>> = { key: 'api_keys', org: 'orgs' }

/** Day rollups serve day grouping; every other grouping reads hour rollups so `from`/`to` hold to the hour. */
function rollupGrain(groupBy: GroupBy): 'hour' | 'day' {
  return groupBy === 'day' ? 'day' : 'hour'
}

/** Adds the filter's org, key, provider and model conditions (rollups and raw rows share these columns). */
function addScope(filter: UsageFilter, clauses: string[], args: InValue[]): void {
  for (const [column, value] of [['org_id', filter.orgId], ['key_id', filter.keyId], ['provider', filter.provider], ['model', filter.model]] as const) {
    if (value !== undefined) {
      clauses.push(`${column} = ?`)
      args.push(value)
    }
  }
}

function where(filter: UsageFilter, grain: 'hour' | 'day'): { sql: string; args: InValue[] } {
  const size = grain === 'hour' ? HOUR_MS : DAY_MS
  const clauses = ['grain = ?', 'bucket_start >= ?', 'bucket_start < ?']
  const args: InValue[] = [grain, Math.floor(filter.from / size) * size, filter.to]
  addScope(filter, clauses, args)
  return { sql: clauses.join(' AND '), args }
}

function toRow(group: string, row: Record<string, unknown>): UsageRow {
  const n = (key: string) => Number(row[key] ?? 0)
  return {
    group,
    requests: n('requests'),
    errors: n('errors'),
    input_tokens: n('input_tokens'),
    output_tokens: n('output_tokens'),
    cache_read_tokens: n('cache_read_tokens'),
    cache_write_tokens: n('cache_write_tokens'),
    reasoning_tokens: n('reasoning_tokens'),
    cost_micros: n('cost_micros'),
    cost_usd: n('cost_micros') / 1_000_000,
    unpriced_requests: n('unpriced_requests'),
    estimated_requests: n('estimated_requests'),
  }
}

/** The groups partition the rows, so the totals are their sums (integers: exact). */
function totalOf(rows: readonly UsageRow[]): UsageRow {
  const sum = (field: keyof UsageRow) => rows.reduce((n, row) => n + (row[field] as number), 0)
  return toRow('total', {
    requests: sum('requests'), errors: sum('errors'), input_tokens: sum('input_tokens'), output_tokens: sum('output_tokens'),
    cache_read_tokens: sum('cache_read_tokens'), cache_write_tokens: sum('cache_write_tokens'), reasoning_tokens: sum('reasoning_tokens'),
    cost_micros: sum('cost_micros'), unpriced_requests: sum('unpriced_requests'), estimated_requests: sum('estimated_requests'),
  })
}

export async function queryUsage(client: Client, filter: UsageFilter, groupBy: GroupBy): Promise<{ data: UsageRow[]; totals: UsageRow }> {
  const grain = rollupGrain(groupBy)
  const { sql, args } = where(filter, grain)
  const column = GROUP_COLUMN[groupBy]
  const groupedSql = `SELECT ${column} AS grp, ${SUMS} FROM usage_rollups WHERE ${sql} GROUP BY grp`
  // Ids alone mean little to a reader: a key or org grouping carries the name too (null once the row is gone).
  const named = NAME_TABLE[groupBy]
  const query = named ? `SELECT g.*, n.name AS name FROM (${groupedSql}) g LEFT JOIN ${named} n ON n.id = g.grp ORDER BY g.grp` : `${groupedSql} ORDER BY grp`
  const grouped = await client.execute({ sql: query, args })
  const label = (value: unknown) => (groupBy === 'hour' || groupBy === 'day' ? new Date(Number(value)).toISOString() : String(value))
  const data = grouped.rows.map((row) => {
    const usage = toRow(label(row.grp), row as unknown as Record<string, unknown>)
    return named ? { ...usage, name: row.name === null || row.name === undefined ? null : String(row.name) } : usage
  })
  return { data, totals: totalOf(data) }
}

export interface RequestLogFilter extends UsageFilter {
  limit: number
  /** Opaque cursor from a previous page. */
  cursor?: string
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

/** Newest first; the cursor continues strictly after the last row returned. */
export async function queryRequests(client: Client, filter: RequestLogFilter) {
  const clauses = ['started_at >= ?', 'started_at < ?']
  const args: InValue[] = [filter.from, filter.to]
  addScope(filter, clauses, args)
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
  const rows = result.rows.slice(0, filter.limit).map((row) => {
    const r = row as unknown as Record<string, unknown>
    return {
      request_id: r.request_id,
      started_at: new Date(Number(r.started_at)).toISOString(),
      org_id: r.org_id,
      key_id: r.key_id,
      provider: r.provider,
      model: r.model,
      endpoint: r.endpoint,
      method: r.method,
      status: r.status,
      streamed: r.streamed === 1,
      input_tokens: r.input_tokens,
      output_tokens: r.output_tokens,
      cache_read_tokens: r.cache_read_tokens,
      cache_write_tokens: r.cache_write_tokens,
      reasoning_tokens: r.reasoning_tokens,
      images: r.images,
      video_seconds: r.video_seconds,
      audio_seconds: r.audio_seconds,
      cost_micros: r.cost_micros,
      cost_usd: r.cost_micros === null ? null : Number(r.cost_micros) / 1_000_000,
      cost_status: r.cost_status,
      usage_source: r.usage_source,
      price_source: r.price_source,
      cost_detail: r.cost_detail,
      ended_by: r.ended_by,
      error_code: r.error_code ?? null,
      partial: r.partial === 1,
      ttfb_ms: r.ttfb_ms,
      duration_ms: r.duration_ms,
      user: r.user,
      tags: r.tags ? (JSON.parse(String(r.tags)) as string[]) : [],
    }
  })
  const last = result.rows[filter.limit - 1] as unknown as Record<string, unknown> | undefined
  const nextCursor = result.rows.length > filter.limit && last ? encodeCursor(Number(last.started_at), String(last.request_id)) : null
  return { data: rows, next_cursor: nextCursor }
}
