// What a request can cost at most, in micro-USD: its input estimate and its output upper bound, at its model's price or, unknown, the provider's dearest.
import type { Usage } from '../types/usage.ts'
import { conservativeRates } from '../pricing/conservative-rates.ts'
import { costFromFields } from '../pricing/cost-from-fields.ts'
import { priceUsage } from '../pricing/price-usage.ts'
import type { ProviderPricing } from '../pricing/provider-pricing.ts'
import type { PriceOverride } from '../pricing/types.ts'

export interface ReservationCostInput {
  readonly provider: string
  /** The provider's pricing id and billing (its spec); omitted: the built-in provider of that id. */
  readonly pricing?: ProviderPricing
  /** The model the request names; undefined when the gateway could not read one. */
  readonly model: string | undefined
  readonly inputTokens: number
  readonly maxOutputTokens: number
  /** Images the request may return: what a per-image model (Seedream, Wan) is billed by. */
  readonly maxImages?: number
  readonly at: Date
  readonly orgId: string
  readonly overrides: readonly PriceOverride[]
}

export interface ReservationCost {
  readonly costMicros: number
  /** `model`: priced as the named model; `conservative`: no price known, so the provider's highest rates. */
  readonly basis: 'model' | 'conservative'
}

function tokenUsage(inputTokens: number, outputTokens: number, reasoningTokens: number, images?: number): Usage {
  return { inputTokens, outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens, ...(images ? { images } : {}) }
}

/**
 * All output is counted as reasoning too, so that a model with a dearer thinking rate (DashScope) is reserved at
 * it. A model without a readable price (no model, an unknown or dated id the data does not match) is reserved at
 * the highest rates its provider lists, never at $0: the answer may well come from a priced model.
 */
export function reservationCost(input: ReservationCostInput): ReservationCost {
  const { provider, model, inputTokens, maxOutputTokens } = input
  if (model) {
    const priced = priceUsage({
      provider,
      model,
      // A token-priced model lists images as a unit it does not price, which leaves its token price as it is.
      usage: tokenUsage(inputTokens, maxOutputTokens, maxOutputTokens, input.maxImages),
      at: input.at,
      orgId: input.orgId,
      overrides: input.overrides,
      ...(input.pricing ? { pricing: input.pricing } : {}),
    })
    if (priced.status === 'priced' && priced.costMicros !== null) return { costMicros: priced.costMicros, basis: 'model' }
  }
  return { costMicros: conservativeCostMicros(provider, inputTokens, maxOutputTokens, input.pricing), basis: 'conservative' }
}

/** Tokens at the provider's highest listed rates: the charge for usage whose own price is unknown. */
export function conservativeCostMicros(provider: string, inputTokens: number, outputTokens: number, pricing?: ProviderPricing): number {
  return costFromFields(conservativeRates(provider, pricing), tokenUsage(inputTokens, outputTokens, 0)).costMicros
}
