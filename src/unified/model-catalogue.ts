// The `provider/model` names GET /v1/models lists: each unified-capable provider's models from the known price data, priced per million tokens (list prices; key-answers applies overrides).
import { findProvider, type ConditionalPrice, type ModelPrice } from '@pydantic/genai-prices'
import type { ResolvedProvider } from '../config.ts'
import { MOCK_MODELS } from '../mock/mock-answer.ts'
import { toGenaiProviderId } from '../pricing/genai-prices.ts'
import { PRICE_TABLE } from '../pricing/price-table.ts'
import { findTableEntry } from '../pricing/table-lookup.ts'
import type { PriceFields } from '../pricing/types.ts'

/** One listed model, as OpenAI's model object plus its list price (USD per million tokens; null where unknown). */
export interface CatalogueModel {
  readonly id: string
  readonly object: 'model'
  readonly owned_by: string
  readonly pricing?: {
    readonly input_per_million_usd: number | null
    readonly output_per_million_usd: number | null
    readonly per_image_usd?: number
    readonly per_video_second_usd?: number
    /** `list`: the published price; `override`: the operator's price for this caller (global or their org's), what they are charged. */
    readonly source: 'list' | 'override'
  }
  readonly context_window?: number
}

/** A model with the names the allowlist checks it by. */
export interface CatalogueEntry {
  readonly provider: string
  readonly model: string
  readonly view: CatalogueModel
}

type Pricing = NonNullable<CatalogueModel['pricing']>

/** A genai-prices rate: a number, or a tiered price whose base applies below its first threshold. */
function baseRate(value: ModelPrice[string]): number | null {
  if (typeof value === 'number') return value
  if (value && typeof value === 'object' && typeof (value as { base?: unknown }).base === 'number') return (value as { base: number }).base
  return null
}

/** The prices in force at `at`: the last entry whose start date has passed (time-of-day variants are not list prices). */
function pricesAt(prices: ConditionalPrice[] | ModelPrice, at: Date): ModelPrice | undefined {
  if (!Array.isArray(prices)) return prices
  let chosen: ModelPrice | undefined
  for (const entry of prices) {
    const constraint = entry.constraint
    if (!constraint) chosen ??= entry.prices
    else if (constraint.type === 'start_date' && Date.parse(constraint.start_date) <= at.getTime()) chosen = entry.prices
  }
  return chosen
}

const usdPerMillion = (micros: number | undefined) => (micros === undefined ? null : micros / 1_000_000)

/** A table row's or an override's fields: flat rates, or the first tier's (the price of a request below the first threshold). */
export function fieldsPricing(entry: PriceFields, source: Pricing['source']): Pricing | undefined {
  const rates = entry.tiers?.[0] ?? entry
  const pricing: { -readonly [K in keyof Pricing]: Pricing[K] } = {
    input_per_million_usd: usdPerMillion(rates.inputMicrosPerMTok),
    output_per_million_usd: usdPerMillion(rates.outputMicrosPerMTok),
    source,
  }
  if (entry.perImageMicros !== undefined) pricing.per_image_usd = entry.perImageMicros / 1_000_000
  if (entry.perVideoSecondMicros !== undefined) pricing.per_video_second_usd = entry.perVideoSecondMicros / 1_000_000
  const known = pricing.input_per_million_usd !== null || pricing.output_per_million_usd !== null || pricing.per_image_usd !== undefined || pricing.per_video_second_usd !== undefined
  return known ? pricing : undefined
}

function view(provider: string, model: string, pricing: Pricing | undefined, contextWindow?: number): CatalogueEntry {
  return {
    provider,
    model,
    view: {
      id: `${provider}/${model}`,
      object: 'model',
      owned_by: provider,
      ...(pricing ? { pricing } : {}),
      ...(contextWindow ? { context_window: contextWindow } : {}),
    },
  }
}

/**
 * The models of one provider at `at`: genai-prices' (not deprecated) under the provider's pricing id, then our own
 * price table's rows in force, which win for their model as they do in pricing. The unbilled mock lists its own
 * models at $0. Sorted by id. Pure over the bundled data: built once, answered from memory.
 */
export function providerModels(provider: ResolvedProvider, at: Date): CatalogueEntry[] {
  const spec = provider.spec
  const id = spec.id
  const byModel = new Map<string, CatalogueEntry>()
  if (spec.unbilled) for (const model of MOCK_MODELS) byModel.set(model, view(id, model, { input_per_million_usd: 0, output_per_million_usd: 0, source: 'list' }))
  const genaiId = spec.unbilled ? undefined : toGenaiProviderId(id, spec)
  for (const info of (genaiId ? findProvider({ providerId: genaiId })?.models : undefined) ?? []) {
    if (info.deprecated) continue
    const prices = pricesAt(info.prices, at)
    const input = prices ? baseRate(prices.input_mtok) : null
    const output = prices ? baseRate(prices.output_mtok) : null
    const pricing = input !== null || output !== null ? { input_per_million_usd: input, output_per_million_usd: output, source: 'list' as const } : undefined
    byModel.set(info.id, view(id, info.id, pricing, info.context_window))
  }
  const tableModels = new Set(spec.unbilled ? [] : PRICE_TABLE.filter((entry) => entry.provider === id).map((entry) => entry.model))
  for (const model of tableModels) {
    const entry = findTableEntry(PRICE_TABLE, id, model, at)
    // Not yet in force, or a retired id kept only so that its requests are stored as unpriced.
    if (!entry || entry.model !== model || entry.note !== undefined) continue
    byModel.set(model, view(id, model, fieldsPricing(entry, 'list'), byModel.get(model)?.view.context_window))
  }
  return [...byModel.values()].sort((a, b) => (a.view.id < b.view.id ? -1 : a.view.id > b.view.id ? 1 : 0))
}
