// Adapter over @pydantic/genai-prices: our provider ids and Usage in, integer micro-USD (or null) out.
import { findProvider, type PriceCalculation, type Usage as GenaiUsage } from '@pydantic/genai-prices'
import { calcPriceRemembering } from './genai-match-cache.ts'
import type { Usage } from '../types/usage.ts'
import { pricingOf, type ProviderPricing } from './provider-pricing.ts'

export interface GenaiPriced {
  costMicros: number
  /** The genai-prices model id that matched (e.g. `grok-4-0709` for `grok-4`). */
  modelId: string
  pricedUnits: number
  unpriced: string[]
  notes: string[]
}

export type GenaiOutcome = GenaiPriced | { error: string } | null

/**
 * The genai-prices provider id: the provider's own `pricingId` (its spec's, or the config file's `pricing_id`), used
 * as given. Only a provider without one is matched by name (an id genai-prices already knows, e.g. `cohere`).
 */
export function toGenaiProviderId(provider: string, pricing?: ProviderPricing): string | undefined {
  const explicit = pricingOf(provider, pricing)?.pricingId
  if (explicit) return explicit
  return findProvider({ providerId: provider }) ? provider : undefined
}

/**
 * Our Usage in the package's snake_case keys. The package throws on inconsistent counts (a cache split larger
 * than its total, cached tokens above input), so totals are raised to cover their parts, the same way our own
 * table clamps uncached input at 0.
 */
export function toGenaiUsage(usage: Usage, withModalities = true): GenaiUsage {
  const write5m = usage.cacheWrite5mTokens ?? 0
  const write1h = usage.cacheWrite1hTokens ?? 0
  const cacheWrite = Math.max(usage.cacheWriteTokens, write5m + write1h)
  const out: GenaiUsage = {
    input_tokens: Math.max(usage.inputTokens, usage.cacheReadTokens + cacheWrite),
    output_tokens: usage.outputTokens,
  }
  if (usage.cacheReadTokens > 0) out.cache_read_tokens = usage.cacheReadTokens
  if (cacheWrite > 0) out.cache_write_tokens = cacheWrite
  if (write5m > 0) out.cache_write_5m_tokens = write5m
  if (write1h > 0) out.cache_write_1h_tokens = write1h
  if (usage.webSearches) out.web_searches = usage.webSearches
  if (usage.audioSeconds) out.audio_seconds = usage.audioSeconds
  if (usage.characters) out.input_characters = usage.characters
  if (withModalities) {
    if (usage.reasoningTokens > 0 && usage.reasoningTokens <= usage.outputTokens) out.output_reasoning_tokens = usage.reasoningTokens
    if (usage.inputAudioTokens) out.input_audio_tokens = usage.inputAudioTokens
    if (usage.outputAudioTokens) out.output_audio_tokens = usage.outputAudioTokens
    if (usage.inputImageTokens) out.input_image_tokens = usage.inputImageTokens
    if (usage.outputImageTokens) out.output_image_tokens = usage.outputImageTokens
  }
  return out
}

function hasModalities(usage: Usage): boolean {
  return Boolean(
    usage.reasoningTokens || usage.inputAudioTokens || usage.outputAudioTokens || usage.inputImageTokens || usage.outputImageTokens,
  )
}

/** Usage units genai-prices cannot or did not price for this model. */
function unpricedUnits(usage: Usage, calc: PriceCalculation): string[] {
  const prices = calc.model_price
  const missing: string[] = []
  // genai-prices has no per-image or per-second video unit at all.
  if (usage.images) missing.push('images')
  if (usage.videoSeconds) missing.push('videoSeconds')
  if (usage.webSearches && prices.web_searches_kcount === undefined) missing.push('webSearches')
  if (usage.audioSeconds && prices.audio_hours === undefined && prices.input_audio_hours === undefined) missing.push('audioSeconds')
  if (usage.characters && prices.input_mchars === undefined) missing.push('characters')
  return missing
}

function pricedUnitCount(usage: Usage, unpriced: readonly string[]): number {
  const positive = [
    usage.inputTokens > 0,
    usage.outputTokens > 0,
    Boolean(usage.webSearches) && !unpriced.includes('webSearches'),
    Boolean(usage.audioSeconds) && !unpriced.includes('audioSeconds'),
    Boolean(usage.characters) && !unpriced.includes('characters'),
  ]
  return positive.filter(Boolean).length
}

/** null: provider not mapped or model unknown to genai-prices. `{ error }`: the package rejected the usage. */
export function priceWithGenaiPrices(provider: string, model: string, usage: Usage, at: Date, pricing?: ProviderPricing): GenaiOutcome {
  const providerId = toGenaiProviderId(provider, pricing)
  if (!providerId) return null

  const notes: string[] = []
  let calc: PriceCalculation | null
  try {
    calc = calcPriceRemembering(toGenaiUsage(usage), model, providerId, at)
  } catch (first) {
    if (!hasModalities(usage)) return { error: (first as Error).message }
    // The package demands join counts (e.g. cached *audio* tokens) when two overlapping breakdowns are both
    // reported; we do not have them, so fall back to pricing the modality split at the text rates.
    try {
      calc = calcPriceRemembering(toGenaiUsage(usage, false), model, providerId, at)
      notes.push(`modality breakdown dropped (${(first as Error).message}); priced at text rates`)
    } catch (second) {
      return { error: (second as Error).message }
    }
  }
  if (!calc) return null

  const unpriced = unpricedUnits(usage, calc)
  return {
    // genai-prices returns float USD; round once to integer micro-USD.
    costMicros: Math.round(calc.total_price * 1_000_000),
    modelId: calc.model.id,
    pricedUnits: pricedUnitCount(usage, unpriced),
    unpriced,
    notes,
  }
}
