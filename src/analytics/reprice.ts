// Recomputes stored costs over a time range with the prices in force now, keeping rows and rollups consistent.
import type { Client, InStatement } from '@libsql/client'
import { rollupDeltas } from '../metering/rollups.ts'
import { costStatusOf, priceFor, type CostStatus, type UsageRecord } from '../metering/usage-record.ts'
import { rollupStatement } from '../metering/usage-writer.ts'
import type { Usage } from '../types/usage.ts'
import type { PriceOverride } from '../pricing/types.ts'

export interface RepriceResult {
  examined: number
  changed: number
  stillUnpriced: number
}

const PAGE = 500

function usageOf(row: Record<string, unknown>): Usage {
  const n = (key: string) => Number(row[key] ?? 0)
  const optional = (key: string) => (row[key] === null || row[key] === undefined ? undefined : Number(row[key]))
  const usage: Usage = {
    inputTokens: n('input_tokens'),
    outputTokens: n('output_tokens'),
    cacheReadTokens: n('cache_read_tokens'),
    cacheWriteTokens: n('cache_write_tokens'),
    reasoningTokens: n('reasoning_tokens'),
  }
  const images = optional('images')
  const videoSeconds = optional('video_seconds')
  const audioSeconds = optional('audio_seconds')
  if (images !== undefined) usage.images = images
  if (videoSeconds !== undefined) usage.videoSeconds = videoSeconds
  if (audioSeconds !== undefined) usage.audioSeconds = audioSeconds
  return usage
}

/** The model the response reported, kept in raw_usage beside the provider's usage object. */
function responseModelOf(row: Record<string, unknown>): string | undefined {
  if (typeof row.raw_usage !== 'string') return undefined
  try {
    const model = (JSON.parse(row.raw_usage) as { model?: unknown }).model
    return typeof model === 'string' ? model : undefined
  } catch {
    return undefined
  }
}

/** The fields rollupDeltas reads, from a stored row. */
function recordOf(row: Record<string, unknown>, costMicros: number | null, costStatus: string): UsageRecord {
  return {
    requestId: String(row.request_id), startedAt: Number(row.started_at), orgId: String(row.org_id), keyId: String(row.key_id),
    provider: String(row.provider), model: row.model === null ? null : String(row.model), status: Number(row.status),
    endedBy: String(row.ended_by), inputTokens: Number(row.input_tokens), outputTokens: Number(row.output_tokens),
    cacheReadTokens: Number(row.cache_read_tokens), cacheWriteTokens: Number(row.cache_write_tokens), reasoningTokens: Number(row.reasoning_tokens),
    costMicros, costStatus: costStatus as CostStatus,
  } as UsageRecord
}

/**
 * Rows with tokens are repriced from their stored counts (the raw provider usage stays for audit), with
 * `overrides` being every override in force, database and config file alike, as the meter prices with.
 */
export async function reprice(client: Client, range: { from: number; to: number; orgId?: string }, overrides: readonly PriceOverride[]): Promise<RepriceResult> {
  const result: RepriceResult = { examined: 0, changed: 0, stillUnpriced: 0 }
  let cursor: { startedAt: number; requestId: string } | undefined
  for (;;) {
    const clauses = ["started_at >= ?", "started_at < ?", "usage_source != 'none'"]
    const args: (string | number)[] = [range.from, range.to]
    if (range.orgId) {
      clauses.push('org_id = ?')
      args.push(range.orgId)
    }
    if (cursor) {
      clauses.push('(started_at > ? OR (started_at = ? AND request_id > ?))')
      args.push(cursor.startedAt, cursor.startedAt, cursor.requestId)
    }
    const page = await client.execute({ sql: `SELECT * FROM usage_events WHERE ${clauses.join(' AND ')} ORDER BY started_at, request_id LIMIT ${PAGE}`, args })
    if (page.rows.length === 0) break
    const statements: InStatement[] = []
    const before: UsageRecord[] = []
    const after: UsageRecord[] = []
    for (const raw of page.rows) {
      const row = raw as unknown as Record<string, unknown>
      result.examined++
      const job = { provider: String(row.provider), orgId: String(row.org_id), startedAt: Number(row.started_at) }
      const priced = priceFor(job, row.model === null ? null : String(row.model), responseModelOf(row), usageOf(row), overrides)
      const status = costStatusOf(priced, row.usage_source as UsageRecord['usageSource'])
      if (status === 'unpriced') result.stillUnpriced++
      const oldCost = row.cost_micros === null ? null : Number(row.cost_micros)
      if (oldCost === priced.costMicros && row.cost_status === status) continue
      result.changed++
      statements.push({
        sql: 'UPDATE usage_events SET cost_micros = ?, cost_status = ?, price_source = ?, cost_detail = ? WHERE request_id = ?',
        args: [priced.costMicros, status, priced.source === 'none' ? null : priced.source, priced.detail ?? null, String(row.request_id)],
      })
      before.push(recordOf(row, oldCost, String(row.cost_status)))
      after.push(recordOf(row, priced.costMicros, status))
    }
    // Rollups move by the difference: the old values out, the new ones in, with request counts netting to zero.
    for (const delta of [...rollupDeltas(before, -1), ...rollupDeltas(after, 1)]) statements.push(rollupStatement(delta))
    if (statements.length > 0) await client.batch(statements, 'write')
    const last = page.rows.at(-1) as unknown as Record<string, unknown>
    cursor = { startedAt: Number(last.started_at), requestId: String(last.request_id) }
  }
  return result
}
