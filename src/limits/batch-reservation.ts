// Pure: what a batch submit that carries its requests reserves: the sum of each request's upper bound, at the batch's price share.
import type { Dialect } from '../providers/dialect.ts'
import { modelOutputLimitTokens } from '../pricing/output-limit.ts'
import type { ProviderPricing } from '../pricing/provider-pricing.ts'
import type { PriceOverride } from '../pricing/types.ts'
import type { BatchInputGroup, BatchRequests } from '../types/jobs.ts'
import { reservationTokens } from './estimate-reservation.ts'
import { requestedAnswers, requestedMaxTokens } from './extract-max-tokens.ts'
import { reservationCost } from './reservation-cost.ts'

/** The most requests one batch is read for (Anthropic's own ceiling per batch); a longer list is refused for a budgeted key. */
export const MAX_BATCH_REQUESTS_RESERVED = 100_000

export interface BatchReservationInput {
  readonly provider: string
  readonly pricing: ProviderPricing
  readonly dialect: Dialect
  readonly batch: BatchRequests
  /** The share of the synchronous price the provider charges for batches (0.5). */
  readonly priceFactor: number
  readonly at: Date
  readonly orgId: string
  readonly overrides: readonly PriceOverride[]
}

export type BatchReservation = { readonly ok: true; readonly costMicros: number } | { readonly ok: false; readonly count: number }

/**
 * Each request is bounded as a single request is (its bytes / 4 as input, max_tokens or else the model's published
 * output limit, times its answers). Requests are summed per model and per-request output cap before pricing, so the
 * pricing runs once per group, not once per request; a tiered price read from the sum can only be dearer, never cheaper.
 */
export function batchReservationMicros(input: BatchReservationInput): BatchReservation {
  const { items } = input.batch
  if (items.length > MAX_BATCH_REQUESTS_RESERVED) return { ok: false, count: items.length }
  const groups = new Map<string, { model: string | null; inputTokens: number; outputTokens: number }>()
  const limits = new Map<string, number>()
  for (const item of items) {
    const model = input.batch.model(item)
    const json = input.batch.request(item)
    const bytes = json ? JSON.stringify(json).length : 0
    const limitKey = model ?? ''
    let limit = limits.get(limitKey)
    if (limit === undefined) {
      limit = modelOutputLimitTokens(input.provider, model ?? undefined, input.at, input.pricing)
      limits.set(limitKey, limit)
    }
    const tokens = reservationTokens({
      inputTokensEstimate: Math.ceil(bytes / 4),
      maxTokensRequested: requestedMaxTokens(input.dialect, json),
      answers: requestedAnswers(input.dialect, json),
      modelOutputLimitTokens: limit,
    })
    const group = groups.get(limitKey) ?? { model, inputTokens: 0, outputTokens: 0 }
    group.inputTokens += tokens.inputTokens
    group.outputTokens += tokens.maxOutputTokens
    groups.set(limitKey, group)
  }
  let total = 0
  for (const group of groups.values()) {
    total += reservationCost({
      provider: input.provider,
      pricing: input.pricing,
      model: group.model ?? undefined,
      inputTokens: group.inputTokens,
      maxOutputTokens: group.outputTokens,
      at: input.at,
      orgId: input.orgId,
      overrides: input.overrides,
    }).costMicros
  }
  return { ok: true, costMicros: Math.ceil(total * input.priceFactor) }
}

/** A batch of an input file checked at upload: each model's recorded lines, uncapped answers at the model's output limit. */
export function recordedBatchMicros(input: Omit<BatchReservationInput, 'dialect' | 'batch'> & { readonly groups: readonly BatchInputGroup[] }): number {
  let total = 0
  for (const group of input.groups) {
    const limit = group.uncappedAnswers > 0 ? modelOutputLimitTokens(input.provider, group.model, input.at, input.pricing) : 0
    total += reservationCost({
      provider: input.provider,
      pricing: input.pricing,
      model: group.model,
      inputTokens: group.inputTokens,
      maxOutputTokens: group.cappedOutputTokens + group.uncappedAnswers * limit,
      at: input.at,
      orgId: input.orgId,
      overrides: input.overrides,
    }).costMicros
  }
  return Math.ceil(total * input.priceFactor)
}
