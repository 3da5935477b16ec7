// Pure: a batch's result totals priced per model at the provider's batch share, for its settlement and for every reprice after it.
import { priceFor } from '../metering/worker/usage-record.ts'
import type { ProviderPricing } from '../pricing/provider-pricing.ts'
import type { PriceOverride } from '../pricing/types.ts'
import type { JobResults } from '../types/ledger-write.ts'
import type { Usage } from '../types/usage.ts'

/** What a batch row keeps in raw_usage: everything its price depends on, so `reprice` needs nothing but the row. */
export interface BatchRawUsage {
  readonly model: null
  /** The result lines summed per model (each group's usage holds every counter the lines reported). */
  readonly usage: JobResults
  readonly job: string
  /** The share of the synchronous price the batch was billed at (the provider's, when it settled). */
  readonly priceFactor: number
}

export interface BatchPrice {
  /** null when any model has no price or any line could not be read: never a partial sum passed off as the cost. */
  readonly costMicros: number | null
  readonly known: boolean
  readonly detail: string
  /** The succeeded lines' usage summed over every model (the row's token columns). */
  readonly total: Usage
}

export function batchRawUsage(jobId: string, results: JobResults, priceFactor: number): BatchRawUsage {
  return { model: null, usage: results, job: jobId, priceFactor }
}

/** The batch part of a row's raw_usage, or undefined when it holds none (then the row is priced from its columns). */
export function readBatchRawUsage(raw: string | null): BatchRawUsage | undefined {
  if (raw === null) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    return undefined
  }
  const record = parsed as Partial<BatchRawUsage> | null
  const results = record?.usage as Partial<JobResults> | undefined
  if (!record || typeof record.job !== 'string' || !results || !Array.isArray(results.groups)) return undefined
  if (typeof results.failedLines !== 'number' || typeof results.unreadableLines !== 'number') return undefined
  // Rows settled before the factor was kept were all half-price batches (every batch API the gateway follows).
  const priceFactor = typeof record.priceFactor === 'number' && record.priceFactor > 0 && record.priceFactor <= 1 ? record.priceFactor : 0.5
  return { model: null, usage: results as JobResults, job: record.job, priceFactor }
}

export function sumUsage(usages: readonly Usage[]): Usage {
  const total: Usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }
  for (const u of usages) {
    total.inputTokens += u.inputTokens
    total.outputTokens += u.outputTokens
    total.cacheReadTokens += u.cacheReadTokens
    total.cacheWriteTokens += u.cacheWriteTokens
    total.reasoningTokens += u.reasoningTokens
    if (u.images) total.images = (total.images ?? 0) + u.images
  }
  return total
}

/**
 * Each model's succeeded lines at that model's price (in force at `at`, with `overrides`) times `factor`; failed lines
 * are free. `results` has the job's model already filled into lines that named none (withJobModel).
 */
export function priceBatch(
  scope: { readonly provider: string; readonly orgId: string; readonly jobId: string; readonly at: number },
  results: JobResults,
  factor: number,
  overrides: readonly PriceOverride[],
  pricing: ProviderPricing | undefined,
): BatchPrice {
  let cost = 0
  const unpriced: string[] = []
  for (const group of results.groups) {
    const priced = group.model ? priceFor({ provider: scope.provider, orgId: scope.orgId, startedAt: scope.at }, group.model, undefined, group.usage, overrides, pricing) : undefined
    if (!priced || priced.status !== 'priced' || priced.costMicros === null) unpriced.push(group.model ?? '(no model)')
    else cost += Math.round(priced.costMicros * factor)
  }
  const lines = results.groups.reduce((n, g) => n + g.lines, 0)
  const known = unpriced.length === 0 && results.unreadableLines === 0
  const why = [
    `job ${scope.jobId}: ${lines} succeeded line(s) at ${factor * 100}% of the synchronous price, ${results.failedLines} failed line(s) free`,
    unpriced.length > 0 ? `no price for ${unpriced.join(', ')}` : null,
    results.unreadableLines > 0 ? `${results.unreadableLines} line(s) could not be read` : null,
    known ? null : `the known part is ${cost} micro-USD`,
  ]
  return { costMicros: known ? cost : null, known, detail: why.filter(Boolean).join('; '), total: sumUsage(results.groups.map((g) => g.usage)) }
}
