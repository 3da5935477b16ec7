// Prices one request's Usage: an unbilled provider (the mock) is free; else org override → global override → our table → genai-prices, else 'unpriced'.
import type { Usage } from '../types/usage.ts'
import { costFromFields, type FieldsCost } from './cost-from-fields.ts'
import { priceWithGenaiPrices } from './genai-prices.ts'
import { findOverride } from './overrides.ts'
import { PRICE_TABLE } from './price-table.ts'
import { pricingOf, type ProviderPricing } from './provider-pricing.ts'
import { findTableEntry } from './table-lookup.ts'
import { fieldsAt } from './time-windows.ts'
import type { PriceOverride, PriceResult, PriceTableEntry } from './types.ts'

export interface PriceUsageInput {
  provider: string
  model: string
  usage: Usage
  /** Request time: selects the price version in force. */
  at: Date
  orgId?: string
  overrides?: readonly PriceOverride[]
  /** The provider's pricing id and billing (its spec); omitted: the built-in provider of that id, if any. */
  pricing?: ProviderPricing
  /** Defaults to PRICE_TABLE; injectable so tests and repricing jobs can use another table. */
  table?: readonly PriceTableEntry[]
}

const COUNT_FIELDS = [
  'inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'cacheWrite5mTokens', 'cacheWrite1hTokens',
  'reasoningTokens', 'inputAudioTokens', 'outputAudioTokens', 'inputImageTokens', 'outputImageTokens', 'webSearches',
  'images', 'videoSeconds', 'audioSeconds', 'characters',
] as const satisfies readonly (keyof Usage)[]

function invalidField(usage: Usage): string | undefined {
  return COUNT_FIELDS.find((k) => {
    const v = usage[k]
    return v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
  })
}

function unpriced(detail: string): PriceResult {
  return { costMicros: null, status: 'unpriced', source: 'none', detail }
}

function joinDetail(parts: readonly string[]): string | undefined {
  return parts.length > 0 ? parts.join('; ') : undefined
}

/** A partial price is still a price; a price made of nothing but unpriced units would be a false $0. */
function toResult(cost: FieldsCost, source: PriceResult['source'], label: string): PriceResult {
  const missing = cost.unpriced.length > 0 ? [`no ${label} price for ${cost.unpriced.join(', ')}`] : []
  const detail = joinDetail([...missing, ...cost.notes])
  if (cost.unpriced.length > 0 && cost.pricedUnits === 0) {
    return { costMicros: null, status: 'unpriced', source, detail }
  }
  return detail === undefined
    ? { costMicros: cost.costMicros, status: 'priced', source }
    : { costMicros: cost.costMicros, status: 'priced', source, detail }
}

export function priceUsage(input: PriceUsageInput): PriceResult {
  const { provider, model, usage, at, orgId, overrides } = input
  const bad = invalidField(usage)
  if (bad) return unpriced(`invalid usage: ${bad} must be a finite non-negative number`)
  if (Number.isNaN(at.getTime())) return unpriced('invalid request time')
  // Answered in-process: there is no upstream bill, whatever an override (e.g. a `*` glob) says.
  const pricing = pricingOf(provider, input.pricing)
  if (pricing?.unbilled === true) return { costMicros: 0, status: 'priced', source: 'mock', detail: `${provider} provider: answered in-process, nothing is billed` }

  const override = findOverride(overrides, provider, model, at, orgId)
  if (override) {
    const scope = override.orgId === undefined ? 'global override' : `org ${override.orgId} override`
    return toResult(costFromFields(override, usage), 'override', `${scope} ${override.provider}/${override.model}`)
  }

  // Our table is consulted before genai-prices for every provider: a row we keep (with its source) replaces the
  // package's price for that model from the row's date on, e.g. DeepSeek after its night discount ended.
  const entry = findTableEntry(input.table ?? PRICE_TABLE, provider, model, at)
  if (entry) {
    const cost = costFromFields(fieldsAt(entry, at), usage)
    const withNote = entry.note === undefined ? cost : { ...cost, notes: [entry.note, ...cost.notes] }
    return toResult(withNote, 'table', `table ${entry.provider}/${entry.model}@${entry.effectiveFrom}`)
  }

  const genai = priceWithGenaiPrices(provider, model, usage, at, pricing)
  if (genai && 'error' in genai) return unpriced(`genai-prices rejected the usage for ${provider}/${model}: ${genai.error}`)
  if (genai) {
    return toResult(
      { costMicros: genai.costMicros, pricedUnits: genai.pricedUnits, unpriced: genai.unpriced, notes: genai.notes },
      'genai-prices',
      `genai-prices ${genai.modelId}`,
    )
  }

  return unpriced(`no price known for ${provider}/${model}`)
}
