// DeepSeek pricing: our table (official list, effective dates, peak windows) wins over genai-prices' stale 2025 entry.
import { describe, expect, test } from 'bun:test'
import { calcPrice } from '@pydantic/genai-prices'
import type { Usage } from '../../src/types/usage.ts'
import { conservativeRates } from '../../src/pricing/conservative-rates.ts'
import { toGenaiUsage } from '../../src/pricing/genai-prices.ts'
import { priceUsage } from '../../src/pricing/price-usage.ts'
import type { PriceTableEntry } from '../../src/pricing/types.ts'

function usage(partial: Partial<Usage>): Usage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, ...partial }
}

// 10K prompt tokens of which 2K hit the cache, 1K completion tokens.
const REQUEST = usage({ inputTokens: 10_000, cacheReadTokens: 2_000, outputTokens: 1_000 })

function price(model: string, iso: string, u: Usage = REQUEST) {
  return priceUsage({ provider: 'deepseek', model, usage: u, at: new Date(iso) })
}

describe('no night discount after it was cancelled (2025-09-05 16:00 UTC)', () => {
  test('deepseek-chat at 10:00 and 18:00 UTC costs the same, at the V3.2 list ($0.28 miss / $0.028 hit / $0.42 out)', () => {
    const day = price('deepseek-chat', '2025-11-10T10:00:00Z')
    const night = price('deepseek-chat', '2025-11-10T18:00:00Z')
    // 8_000 × 0.28 + 2_000 × 0.028 + 1_000 × 0.42 = 2_240 + 56 + 420
    expect(day).toEqual({ costMicros: 2_716, status: 'priced', source: 'table' })
    expect(night).toEqual(day)
  })

  test('deepseek-reasoner between the cancellation and the V3.2 cut: $0.56 / $0.07 / $1.68, day and night', () => {
    // 8_000 × 0.56 + 2_000 × 0.07 + 1_000 × 1.68 = 4_480 + 140 + 1_680
    expect(price('deepseek-reasoner', '2025-09-10T10:00:00Z').costMicros).toBe(6_300)
    expect(price('deepseek-reasoner', '2025-09-10T18:00:00Z').costMicros).toBe(6_300)
  })

  test('the cancellation takes effect at 16:00 UTC on 2025-09-05, not at midnight', () => {
    expect(price('deepseek-chat', '2025-09-05T15:59:59Z').source).toBe('genai-prices')
    expect(price('deepseek-chat', '2025-09-05T16:00:00Z')).toMatchObject({ source: 'table', costMicros: 6_300 })
  })

  test('before the cancellation, genai-prices still applies the UTC 16:30–00:30 discount the official page then listed', () => {
    const day = price('deepseek-chat', '2025-06-02T10:00:00Z')
    const night = price('deepseek-chat', '2025-06-02T18:00:00Z')
    // Standard $0.27 / $0.07 / $1.10: 2_160 + 140 + 1_100; discount is half of each.
    expect(day).toEqual({ costMicros: 3_400, status: 'priced', source: 'genai-prices' })
    expect(night).toEqual({ costMicros: 1_700, status: 'priced', source: 'genai-prices' })
  })
})

describe('our table wins over genai-prices', () => {
  test('genai-prices 0.1.8 prices deepseek-chat after the cancellation at night-discount rates; we do not', () => {
    const at = new Date('2025-11-10T18:00:00Z')
    const stale = calcPrice(toGenaiUsage(REQUEST), 'deepseek-chat', { providerId: 'deepseek', timestamp: at })
    expect(Math.round(stale!.total_price * 1e6)).toBe(1_700)
    expect(priceUsage({ provider: 'deepseek', model: 'deepseek-chat', usage: REQUEST, at })).toMatchObject({ source: 'table', costMicros: 2_716 })
  })

  test('a table row for a model genai-prices knows replaces the package from its date on', () => {
    const table: PriceTableEntry[] = [
      { provider: 'openai', model: 'gpt-4o', effectiveFrom: '2026-01-01', inputMicrosPerMTok: 1_000_000, outputMicrosPerMTok: 2_000_000, source: 'https://example.test/prices' },
    ]
    const u = usage({ inputTokens: 1_000, outputTokens: 100 })
    expect(priceUsage({ provider: 'openai', model: 'gpt-4o', usage: u, at: new Date('2026-06-01T00:00:00Z'), table })).toEqual({ costMicros: 1_200, status: 'priced', source: 'table' })
    expect(priceUsage({ provider: 'openai', model: 'gpt-4o', usage: u, at: new Date('2025-06-01T00:00:00Z'), table })).toEqual({ costMicros: 3_500, status: 'priced', source: 'genai-prices' })
  })
})

describe('V4 (2026): the aliases, then official peak windows', () => {
  test('deepseek-chat in May 2026 is V4 Flash non-thinking: $0.14 / $0.0028 / $0.28', () => {
    // 8_000 × 0.14 + 2_000 × 0.0028 + 1_000 × 0.28 = 1_120 + 5.6 + 280
    expect(price('deepseek-chat', '2026-05-10T10:00:00Z').costMicros).toBe(1_406)
    expect(price('deepseek-chat', '2026-05-10T18:00:00Z').costMicros).toBe(1_406)
  })

  test('the retired aliases are unpriced after 2026-07-24 15:59 UTC, with the reason, instead of a stale V3 price', () => {
    const r = price('deepseek-reasoner', '2026-10-07T18:00:00Z')
    expect(r).toMatchObject({ costMicros: null, status: 'unpriced', source: 'table' })
    expect(r.detail).toContain('retired')
  })

  test('V4.1 Flash on a weekday: peak 01:00–04:00 and 06:00–10:00 UTC at 2x, the rest off-peak', () => {
    // Wednesday 2026-10-07. Off-peak $0.15 / $0.003 / $0.60: 1_200 + 6 + 600; peak twice that.
    expect(price('deepseek-flash', '2026-10-07T00:59:59Z').costMicros).toBe(1_806)
    expect(price('deepseek-flash', '2026-10-07T01:00:00Z').costMicros).toBe(3_612)
    expect(price('deepseek-flash', '2026-10-07T04:00:00Z').costMicros).toBe(1_806)
    expect(price('deepseek-flash', '2026-10-07T09:59:59Z').costMicros).toBe(3_612)
    expect(price('deepseek-flash', '2026-10-07T10:00:00Z').costMicros).toBe(1_806)
    expect(price('deepseek-flash', '2026-10-07T18:00:00Z').costMicros).toBe(1_806)
  })

  test('weekends are off-peak all day; the legacy deepseek-v4-flash ids bill at the Flash price', () => {
    expect(price('deepseek-flash', '2026-10-10T02:00:00Z').costMicros).toBe(1_806) // Saturday
    expect(price('deepseek-v4-flash-vision-exp', '2026-10-07T02:00:00Z').costMicros).toBe(3_612)
  })

  test('in the first week of peak pricing (before 2026-08-22 16:00 UTC) the weekend had peak hours too', () => {
    // Saturday 2026-08-22 02:00 UTC (before the switch at 16:00 UTC) is peak; Saturday 2026-08-29 02:00 UTC is not.
    // V4 Flash off-peak $0.22 / $0.007 / $0.66: 1_760 + 14 + 660.
    expect(price('deepseek-v4-flash', '2026-08-22T02:00:00Z').costMicros).toBe(4_868)
    expect(price('deepseek-v4-flash', '2026-08-29T02:00:00Z').costMicros).toBe(2_434)
  })

  test('deepseek-v4-pro keeps its own card after V4.1 Flash: $0.66 / $0.022 / $1.98 off-peak', () => {
    // 8_000 × 0.66 + 2_000 × 0.022 + 1_000 × 1.98 = 5_280 + 44 + 1_980
    expect(price('deepseek-v4-pro-0813', '2026-11-30T18:00:00Z').costMicros).toBe(7_304)
    expect(price('deepseek-v4-pro', '2026-11-30T07:00:00Z').costMicros).toBe(14_608)
    // Saturday: off-peak all day (genai-prices 0.1.8 cannot say so and bills the peak rate).
    expect(price('deepseek-v4-pro', '2026-10-10T07:00:00Z').costMicros).toBe(7_304)
  })

  test('the reservation ceiling covers DeepSeek peak rates', () => {
    const ceiling = conservativeRates('deepseek')
    expect(ceiling.inputMicrosPerMTok).toBeGreaterThanOrEqual(1_320_000)
    expect(ceiling.outputMicrosPerMTok).toBeGreaterThanOrEqual(3_960_000)
  })
})
