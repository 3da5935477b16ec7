// A stored request's cost split by token kind (cached input, cache write, input, output, reasoning, media), priced from its stored counts; runs on the query worker, beside repricing.
import type { Client } from '@libsql/client'
import { usageEventFromRow, type UsageEventRow } from '../db/usage-columns.ts'
import { responseModelOf } from './response-model.ts'
import { priceFor } from '../metering/worker/usage-record.ts'
import type { PriceOverride } from '../pricing/types.ts'
import type { ProviderDirectory } from '../providers/registry.ts'
import { StoreError } from '../store/orgs.ts'
import type { CostBreakdown, CostPart, RequestDetail } from '../types/dashboard-api.ts'
import type { Usage } from '../types/usage.ts'
import { requestLogEntry } from './usage-query.ts'

export interface RequestDetailQuery {
  requestId: string
  /** The session's scope: a request of another org (or, for a key holder, another key) is "not found". */
  orgId: string
  keyId?: string
  /** Every override in force, as the meter prices with. */
  overrides: readonly PriceOverride[]
}

const ZERO: Usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }

/**
 * The row's usage built up one kind at a time, each step a valid usage (input tokens include the cached ones, output
 * tokens include reasoning): the kinds' costs are the steps' differences, so they add up to the price of the whole.
 */
function steps(row: UsageEventRow): { kind: CostPart['kind']; quantity: number; unit: string; usage: Usage }[] {
  const cached = row.cacheReadTokens
  const written = row.cacheWriteTokens
  const s1: Usage = { ...ZERO, inputTokens: cached, cacheReadTokens: cached }
  const s2: Usage = { ...s1, inputTokens: cached + written, cacheWriteTokens: written }
  const s3: Usage = { ...s2, inputTokens: Math.max(row.inputTokens, cached + written) }
  const s4: Usage = { ...s3, outputTokens: Math.max(0, row.outputTokens - row.reasoningTokens) }
  const s5: Usage = { ...s4, outputTokens: row.outputTokens, reasoningTokens: row.reasoningTokens }
  const s6: Usage = { ...s5 }
  if (row.images !== null) s6.images = row.images
  if (row.videoSeconds !== null) s6.videoSeconds = row.videoSeconds
  if (row.audioSeconds !== null) s6.audioSeconds = row.audioSeconds
  const media = (row.images ?? 0) + (row.videoSeconds ?? 0) + (row.audioSeconds ?? 0)
  const mediaUnit = [row.images ? 'images' : '', row.videoSeconds ? 'video seconds' : '', row.audioSeconds ? 'audio seconds' : ''].filter(Boolean).join(' + ') || 'units'
  return [
    { kind: 'cached_input', quantity: cached, unit: 'tokens', usage: s1 },
    { kind: 'cache_write', quantity: written, unit: 'tokens', usage: s2 },
    { kind: 'input', quantity: Math.max(0, row.inputTokens - cached - written), unit: 'tokens', usage: s3 },
    { kind: 'output', quantity: Math.max(0, row.outputTokens - row.reasoningTokens), unit: 'tokens', usage: s4 },
    { kind: 'reasoning', quantity: row.reasoningTokens, unit: 'tokens', usage: s5 },
    { kind: 'media', quantity: media, unit: mediaUnit, usage: s6 },
  ]
}

/** Why no split is given, or undefined when one can be computed from the row alone. */
function unsplittable(row: UsageEventRow): string | undefined {
  if (row.priceSource === 'batch') return "a batch's row is priced per model at the batch share: its totals cannot be split by kind"
  if (row.costStatus === 'mock') return 'the mock provider bills nothing'
  if (row.costStatus === 'refused' || row.costStatus === 'no_usage') return 'no usage was billed for this request'
  return undefined
}

export function costBreakdown(row: UsageEventRow, overrides: readonly PriceOverride[], providers: ProviderDirectory): CostBreakdown {
  const stored = row.costMicros
  const why = unsplittable(row)
  if (why) return { parts: [], priced_micros: stored, stored_micros: stored, matches_stored: true, note: why }
  const responseModel = responseModelOf(row)
  const price = (usage: Usage) => priceFor(row, row.model, responseModel, usage, overrides, providers(row.provider))
  const parts: CostPart[] = []
  let before: number | null = 0
  let unknown = false
  for (const step of steps(row)) {
    const priced = price(step.usage)
    const now = priced.status === 'priced' ? priced.costMicros : null
    if (step.quantity > 0) {
      const micros = now === null || before === null ? null : now - before
      if (micros === null) unknown = true
      parts.push({ kind: step.kind, quantity: step.quantity, unit: step.unit, cost_micros: micros, cost_usd: micros === null ? null : micros / 1_000_000 })
    }
    before = now
  }
  const total = unknown ? null : before
  const matches = total !== null && total === stored
  const notes = [
    unknown ? 'a kind without a known price is shown as unknown' : '',
    !matches && total !== null && stored !== null ? 'the prices in force now give another total than the stored cost (prices or overrides changed since)' : '',
    'with tiered prices the split follows the order listed',
  ].filter(Boolean)
  return { parts, priced_micros: total, stored_micros: stored, matches_stored: matches, note: notes.join('; ') }
}

export async function requestDetail(client: Client, query: RequestDetailQuery, providers: ProviderDirectory): Promise<RequestDetail> {
  const clauses = ['request_id = ?', 'org_id = ?']
  const args: string[] = [query.requestId, query.orgId]
  if (query.keyId) {
    clauses.push('key_id = ?')
    args.push(query.keyId)
  }
  const result = await client.execute({ sql: `SELECT * FROM usage_events WHERE ${clauses.join(' AND ')} LIMIT 1`, args })
  if (!result.rows[0]) throw new StoreError('not_found', `no request "${query.requestId.slice(0, 100)}"`)
  const row = usageEventFromRow(result.rows[0] as unknown as Record<string, unknown>)
  return { request: requestLogEntry(row), breakdown: costBreakdown(row, query.overrides, providers) }
}
