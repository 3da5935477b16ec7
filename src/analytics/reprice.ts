// Recomputes stored costs over a time range with the prices in force now, keeping rows and rollups consistent.
import type { Client, InStatement } from '@libsql/client'
import { usageEventFromRow, type UsageEventRow } from '../db/usage-columns.ts'
import { responseModelOf } from './response-model.ts'
import { rollupDeltas } from '../metering/worker/rollups.ts'
import { costStatusOf, priceFor, type UsageRecord } from '../metering/worker/usage-record.ts'
import { builtInProvider, type ProviderDirectory } from '../providers/registry.ts'
import { rollupStatement } from '../metering/worker/usage-writer.ts'
import type { Usage } from '../types/usage.ts'
import type { PriceOverride } from '../pricing/types.ts'
import type { RepriceRange, RepriceResult } from '../types/reprice.ts'
import { priceBatch, readBatchRawUsage } from '../jobs/batch-pricing.ts'
import { JOB_ID_PREFIX, jobCostStatement } from '../jobs/job-cost.ts'

const PAGE = 500

function usageOf(row: UsageEventRow): Usage {
  const usage: Usage = {
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    cacheReadTokens: row.cacheReadTokens,
    cacheWriteTokens: row.cacheWriteTokens,
    reasoningTokens: row.reasoningTokens,
  }
  if (row.images !== null) usage.images = row.images
  if (row.videoSeconds !== null) usage.videoSeconds = row.videoSeconds
  if (row.audioSeconds !== null) usage.audioSeconds = row.audioSeconds
  return usage
}

/** One row's cost with the prices in force now: a batch's from its per-model totals, any other from its columns. */
function repriced(row: UsageEventRow, overrides: readonly PriceOverride[], providers: ProviderDirectory): Pick<UsageRecord, 'costMicros' | 'costStatus' | 'priceSource' | 'costDetail'> {
  const spec = providers(row.provider)
  // A batch's lines were priced per model at the batch share (src/jobs/job-settlement.ts): its summed columns cannot reprice it.
  const batch = row.priceSource === 'batch' ? readBatchRawUsage(row.rawUsage) : undefined
  if (row.priceSource === 'batch' && !batch) {
    return { costMicros: row.costMicros, costStatus: row.costStatus, priceSource: 'batch', costDetail: row.costDetail }
  }
  if (batch) {
    const price = priceBatch({ provider: row.provider, orgId: row.orgId, jobId: batch.job, at: row.startedAt }, batch.usage, batch.priceFactor, overrides, spec)
    return { costMicros: price.costMicros, costStatus: price.known ? 'priced' : 'unpriced', priceSource: 'batch', costDetail: price.detail }
  }
  const priced = priceFor(row, row.model, responseModelOf(row), usageOf(row), overrides, spec)
  return { costMicros: priced.costMicros, costStatus: costStatusOf(priced, row.usageSource), priceSource: priced.source === 'none' ? null : priced.source, costDetail: priced.detail ?? null }
}

/**
 * Rows with tokens are repriced from their stored counts (the raw provider usage stays for audit), with
 * `overrides` being every override in force, database and config file alike, as the meter prices with.
 */
/** `providers`: every provider served (default: the built-in ones); a row is priced by its provider's pricing id. */
export async function reprice(client: Client, range: RepriceRange, overrides: readonly PriceOverride[], providers: ProviderDirectory = builtInProvider): Promise<RepriceResult> {
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
    const rows = page.rows.map((raw) => usageEventFromRow(raw as unknown as Record<string, unknown>))
    for (const row of rows) {
      result.examined++
      const priced = repriced(row, overrides, providers)
      if (priced.costStatus === 'unpriced') result.stillUnpriced++
      if (row.costMicros === priced.costMicros && row.costStatus === priced.costStatus) continue
      result.changed++
      statements.push({
        sql: 'UPDATE usage_events SET cost_micros = ?, cost_status = ?, price_source = ?, cost_detail = ? WHERE request_id = ?',
        args: [priced.costMicros, priced.costStatus, priced.priceSource, priced.costDetail, row.requestId],
      })
      // A job's row is its cost: the ledger's copy moves with it, in the same write (src/jobs/job-writes.ts settles both).
      if (row.requestId.startsWith(JOB_ID_PREFIX)) statements.push(jobCostStatement(row.requestId, priced.costMicros, priced.costStatus))
      before.push(row)
      after.push({ ...row, costMicros: priced.costMicros, costStatus: priced.costStatus })
    }
    // Rollups move by the difference: the old values out, the new ones in, with request counts netting to zero.
    for (const delta of [...rollupDeltas(before, -1), ...rollupDeltas(after, 1)]) statements.push(rollupStatement(delta))
    if (statements.length > 0) await client.batch(statements, 'write')
    const last = rows.at(-1)!
    cursor = { startedAt: last.startedAt, requestId: last.requestId }
  }
  return result
}
