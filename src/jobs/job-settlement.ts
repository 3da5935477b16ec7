// Pure: the one usage row a job is billed with when it ends: priced from its usage (or its parameters), $0 when it failed, never $0 when unknown.
import { costStatusOf, counts, emptyUsage, priceFor, type UsageRecord } from '../metering/worker/usage-record.ts'
import type { PriceOverride } from '../pricing/types.ts'
import type { ProviderDirectory } from '../providers/registry.ts'
import type { JobResults } from '../types/ledger-write.ts'
import type { Usage } from '../types/usage.ts'
import type { JobStatus } from '../types/jobs.ts'
import { withJobModel } from '../providers/dialects/batch-results.ts'
import { batchRawUsage, priceBatch } from './batch-pricing.ts'

/** What settlement reads of a job's row. */
export interface SettlingJob {
  readonly id: string
  readonly provider: string
  readonly orgId: string
  readonly keyId: string
  readonly model: string | null
  readonly kind: string
  readonly createPath: string
  readonly createdAt: number
  readonly params: Readonly<Record<string, string | number | boolean>>
}

/** How the job ended, as the answer that showed it said. */
export interface JobEnd {
  readonly status: JobStatus
  readonly at: number
  readonly usage: Usage | null
  readonly rawUsage: string | null
  /** The model the answer reported. */
  readonly model: string | null
  /** The poller stopped following it (past the provider's retention) without seeing its end. */
  readonly gaveUp?: boolean
  /** A batch's results, per model: what it is billed from. */
  readonly results?: JobResults
}

/** Prices and the providers that read them, as the metering worker holds them. */
export interface SettlementContext {
  readonly overrides: readonly PriceOverride[]
  readonly providers: ProviderDirectory
}

/**
 * The job's usage row: request id = the job's id (so it exists once), charged to the key and org that created the
 * job, dated when its end was seen. Succeeded: priced from the reported usage, else from the submit's parameters
 * (stored `estimated`), else `unpriced`. Failed, canceled, expired: $0. Given up: `unpriced`.
 */
export function jobUsageRecord(job: SettlingJob, end: JobEnd, context: SettlementContext): UsageRecord {
  const base = {
    requestId: job.id,
    startedAt: end.at,
    orgId: job.orgId,
    keyId: job.keyId,
    provider: job.provider,
    model: job.model ?? end.model,
    endpoint: job.createPath,
    method: 'POST',
    status: 200,
    streamed: false,
    endedBy: 'complete',
    partial: false,
    errorCode: null,
    ttfbMs: null,
    durationMs: Math.max(0, end.at - job.createdAt),
    user: null,
    tags: null,
    rawUsage: end.rawUsage === null ? null : JSON.stringify({ model: end.model, usage: JSON.parse(end.rawUsage) as unknown, job: job.id }),
  }
  if (end.gaveUp || end.status === 'unknown') {
    return { ...base, ...counts(emptyUsage()), costMicros: null, costStatus: 'unpriced', usageSource: 'none', priceSource: null, costDetail: `job ${job.id}: its end was never seen (past the provider's retention); the cost is unknown` }
  }
  if (end.results && !end.gaveUp) return batchRecord(job, end.results, base, end.at, context)
  if (end.status !== 'succeeded') {
    return { ...base, ...counts(emptyUsage()), costMicros: 0, costStatus: 'no_usage', usageSource: 'none', priceSource: null, costDetail: `job ${job.id} ended ${end.status}: nothing is billed` }
  }
  const spec = context.providers(job.provider)
  let usage = end.usage
  let usageSource: UsageRecord['usageSource'] = 'reported'
  if (!usage && spec?.jobs?.usageFromParams) {
    usage = spec.jobs.usageFromParams(job.params, job.kind)
    usageSource = 'estimated'
  }
  if (!usage) {
    return { ...base, ...counts(emptyUsage()), costMicros: null, costStatus: 'unpriced', usageSource: 'none', priceSource: null, costDetail: `job ${job.id} succeeded, but neither its answer nor its parameters say how much it made` }
  }
  const priced = priceFor({ provider: job.provider, orgId: job.orgId, startedAt: end.at }, job.model, end.model ?? undefined, usage, context.overrides, spec)
  const note = usageSource === 'estimated' ? 'priced from the submit\'s parameters (the provider reports no usage)' : null
  return {
    ...base,
    ...counts(usage),
    costMicros: priced.costMicros,
    costStatus: costStatusOf(priced, usageSource),
    usageSource,
    priceSource: priced.source === 'none' ? null : priced.source,
    costDetail: [`job ${job.id}`, note, priced.detail].filter(Boolean).join('; '),
  }
}

/**
 * A batch: each model's succeeded lines at that model's price times the provider's batch share; failed lines are
 * free. Any model without a price, or any line that could not be read, leaves the whole row unpriced (never a
 * partial sum passed off as the cost). One model: the row names it; several: the row's model is null. The raw
 * usage keeps the per-model totals and the share, so `reprice` can price the row again (src/jobs/batch-pricing.ts).
 */
function batchRecord(job: SettlingJob, read: JobResults, base: Omit<UsageRecord, keyof ReturnType<typeof counts> | 'costMicros' | 'costStatus' | 'usageSource' | 'priceSource' | 'costDetail'>, at: number, context: SettlementContext): UsageRecord {
  const spec = context.providers(job.provider)
  const factor = spec?.jobs?.priceFactor ?? 1
  // A line that names no model ran on the job's own (Gemini's lines may omit modelVersion; the submit's path names it).
  const results = withJobModel(read, job.model)
  const price = priceBatch({ provider: job.provider, orgId: job.orgId, jobId: job.id, at }, results, factor, context.overrides, spec)
  const models = results.groups.map((g) => g.model)
  return {
    ...base,
    model: models.length === 1 ? models[0]! : null,
    rawUsage: JSON.stringify(batchRawUsage(job.id, results, factor)),
    ...counts(price.total),
    costMicros: price.costMicros,
    costStatus: price.known ? 'priced' : 'unpriced',
    usageSource: 'reported',
    // Repriced per model from its raw usage, never from the row's totals (src/analytics/reprice.ts).
    priceSource: 'batch',
    costDetail: price.detail,
  }
}
