// The dearest token rates a provider lists: what a request is priced at when its own model has no known price.
import { findProvider, type ModelPrice } from '@pydantic/genai-prices'
import { BUILT_IN_PROVIDERS } from '../providers/registry.ts'
import { toGenaiProviderId } from './genai-prices.ts'
import { pricingOf, type ProviderPricing } from './provider-pricing.ts'
import { PRICE_TABLE } from './price-table.ts'
import type { PriceTableEntry, TokenRates } from './types.ts'

/** Micro-USD per 1M tokens; every rate present, so costFromFields never reports a unit as unpriced. */
export type ConservativeRates = Required<Pick<TokenRates, 'inputMicrosPerMTok' | 'outputMicrosPerMTok' | 'cacheReadMicrosPerMTok' | 'cacheWriteMicrosPerMTok'>>

const ZERO: ConservativeRates = { inputMicrosPerMTok: 0, outputMicrosPerMTok: 0, cacheReadMicrosPerMTok: 0, cacheWriteMicrosPerMTok: 0 }

function highest(value: ModelPrice[string]): number {
  if (typeof value === 'number') return value
  if (value && typeof value === 'object') return Math.max(value.base, ...value.tiers.map((t) => t.price))
  return 0
}

function raise(into: ConservativeRates, rates: Partial<ConservativeRates>): void {
  for (const field of Object.keys(into) as (keyof ConservativeRates)[]) into[field] = Math.max(into[field], rates[field] ?? 0)
}

function genaiRates(genaiProviderId: string): ConservativeRates {
  const rates = { ...ZERO }
  for (const model of findProvider({ providerId: genaiProviderId })?.models ?? []) {
    const versions = Array.isArray(model.prices) ? model.prices.map((c) => c.prices) : [model.prices]
    for (const p of versions) {
      // genai-prices is USD per 1M tokens; ours is micro-USD per 1M tokens.
      raise(rates, {
        inputMicrosPerMTok: Math.ceil(highest(p.input_mtok) * 1_000_000),
        outputMicrosPerMTok: Math.ceil(highest(p.output_mtok) * 1_000_000),
        cacheReadMicrosPerMTok: Math.ceil(highest(p.cache_read_mtok) * 1_000_000),
        cacheWriteMicrosPerMTok: Math.ceil(Math.max(highest(p.cache_write_mtok), highest(p.cache_write_1h_mtok)) * 1_000_000),
      })
    }
  }
  return rates
}

function tableRates(entries: readonly PriceTableEntry[]): ConservativeRates {
  const rates = { ...ZERO }
  for (const entry of entries) {
    // Peak-hour window rates count too: a reservation must cover the dearest hour.
    for (const r of [entry, ...(entry.tiers ?? []), ...(entry.timeWindows?.map((w) => w.rates) ?? [])]) {
      raise(rates, {
        inputMicrosPerMTok: r.inputMicrosPerMTok ?? 0,
        outputMicrosPerMTok: Math.max(r.outputMicrosPerMTok ?? 0, r.thinkingOutputMicrosPerMTok ?? 0, entry.perOutputMTok ?? 0),
        cacheReadMicrosPerMTok: r.cacheReadMicrosPerMTok ?? 0,
        cacheWriteMicrosPerMTok: r.cacheWriteMicrosPerMTok ?? 0,
      })
    }
  }
  return rates
}

function ratesFor(provider: string | undefined, pricing?: ProviderPricing): ConservativeRates {
  const genaiId = provider === undefined ? undefined : toGenaiProviderId(provider, pricing)
  const rates = genaiId ? genaiRates(genaiId) : { ...ZERO }
  raise(rates, tableRates(PRICE_TABLE.filter((e) => provider === undefined || e.provider === provider)))
  return rates
}

/** A cached token of an unknown model may be billed as plain input: its rate is never below the highest input rate. */
function withCacheAtInputRate(rates: ConservativeRates): ConservativeRates {
  return {
    ...rates,
    cacheReadMicrosPerMTok: Math.max(rates.cacheReadMicrosPerMTok, rates.inputMicrosPerMTok),
    cacheWriteMicrosPerMTok: Math.max(rates.cacheWriteMicrosPerMTok, rates.inputMicrosPerMTok),
  }
}

/** The price data is static: computed once per provider (a handful), not per request. */
const memo = new Map<string, ConservativeRates>()
let everywhere: ConservativeRates | undefined

/**
 * The highest input, output and cache rates of any model the price data lists for this provider (every version and
 * tier). A provider the data does not cover (a custom OpenAI-compatible one) gets the highest rates listed anywhere.
 */
export function conservativeRates(provider: string, pricing?: ProviderPricing): ConservativeRates {
  // An unbilled provider (the mock) bills nothing for any model: its worst case is $0 too, so it never holds budget.
  if (pricingOf(provider, pricing)?.unbilled === true) return ZERO
  let rates = memo.get(provider)
  if (rates === undefined) {
    const own = ratesFor(provider, pricing)
    rates = own.inputMicrosPerMTok === 0 && own.outputMicrosPerMTok === 0 ? (everywhere ??= allProvidersRates()) : withCacheAtInputRate(own)
    memo.set(provider, rates)
  }
  return rates
}

function allProvidersRates(): ConservativeRates {
  const rates = ratesFor(undefined)
  // ratesFor(undefined) covers our whole table; every built-in provider's genai-prices id is added to it.
  for (const id of new Set(BUILT_IN_PROVIDERS.flatMap((p) => (p.pricingId ? [p.pricingId] : [])))) raise(rates, genaiRates(id))
  return withCacheAtInputRate(rates)
}
