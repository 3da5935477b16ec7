// Exact integer micro-USD cost of one Usage under one set of our own PriceFields (table entry or override).
import type { Usage } from '../types/usage.ts'
import type { PriceFields, TokenRates } from './types.ts'

export interface FieldsCost {
  costMicros: number
  /** How many units with a positive quantity were priced; 0 with unpriced units means "we priced nothing". */
  pricedUnits: number
  /** Usage fields with a positive quantity but no rate on this model. */
  unpriced: string[]
  notes: string[]
}

// Quantities and prices are scaled to thousandths and multiplied as BigInt, so the sum is exact for any
// value with <= 3 decimals (fractional video seconds, sub-micro token rates) and cannot overflow; the
// accumulator is in 1e-12 micro-USD and is rounded once, half-up, at the end.
const MILLI = 1000
const PER_MTOK_SCALE = 1n
const PER_UNIT_SCALE = 1_000_000n
const ACC_PER_MICRO = 1_000_000_000_000n

function milli(n: number): bigint {
  return BigInt(Math.round(n * MILLI))
}

export function selectRates(fields: PriceFields, inputTokens: number): { rates: TokenRates; note?: string } {
  if (!fields.tiers || fields.tiers.length === 0) return { rates: fields }
  const sorted = [...fields.tiers].sort((a, b) => a.upToInputTokens - b.upToInputTokens)
  const tier = sorted.find((t) => inputTokens <= t.upToInputTokens)
  if (tier) return { rates: tier }
  const top = sorted[sorted.length - 1]!
  // A request larger than the top tier should have been rejected upstream; bill it at the dearest rate we know.
  return { rates: top, note: `inputTokens ${inputTokens} exceed the top tier (${top.upToInputTokens}); top-tier rates used` }
}

export function costFromFields(fields: PriceFields, usage: Usage): FieldsCost {
  const { rates, note } = selectRates(fields, usage.inputTokens)
  const notes: string[] = note ? [note] : []
  const unpriced: string[] = []
  let pricedUnits = 0
  let acc = 0n

  const line = (name: string, quantity: number | undefined, rate: number | undefined, scale: bigint): void => {
    if (quantity === undefined || quantity <= 0) return
    if (rate === undefined) {
      unpriced.push(name)
      return
    }
    acc += milli(quantity) * milli(rate) * scale
    pricedUnits++
  }

  // inputTokens already contains the cached tokens, so only the remainder is billed at the input rate.
  const uncachedInput = Math.max(0, usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens)
  line('inputTokens', uncachedInput, rates.inputMicrosPerMTok, PER_MTOK_SCALE)
  line('cacheReadTokens', usage.cacheReadTokens, rates.cacheReadMicrosPerMTok ?? rates.inputMicrosPerMTok, PER_MTOK_SCALE)
  line('cacheWriteTokens', usage.cacheWriteTokens, rates.cacheWriteMicrosPerMTok ?? rates.inputMicrosPerMTok, PER_MTOK_SCALE)

  const thinking = usage.reasoningTokens > 0 && rates.thinkingOutputMicrosPerMTok !== undefined
  const outputRate = fields.perOutputMTok ?? (thinking ? rates.thinkingOutputMicrosPerMTok : rates.outputMicrosPerMTok)
  line('outputTokens', usage.outputTokens, outputRate, PER_MTOK_SCALE)

  line('images', usage.images, fields.perImageMicros, PER_UNIT_SCALE)
  line('videoSeconds', usage.videoSeconds, fields.perVideoSecondMicros, PER_UNIT_SCALE)
  // Our table has no rates for these yet; listing them keeps a partial price honest.
  line('webSearches', usage.webSearches, undefined, PER_UNIT_SCALE)
  line('audioSeconds', usage.audioSeconds, undefined, PER_UNIT_SCALE)
  line('characters', usage.characters, undefined, PER_UNIT_SCALE)

  const costMicros = Number((acc + ACC_PER_MICRO / 2n) / ACC_PER_MICRO)
  return { costMicros, pricedUnits, unpriced, notes }
}
