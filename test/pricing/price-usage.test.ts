// Tests for priceUsage: genai-prices parity, our table (tiers, media, prefixes, versions), overrides, integer money.
import { describe, expect, test } from 'bun:test'
import { calcPrice } from '@pydantic/genai-prices'
import type { Usage } from '../../src/types/usage.ts'
import { toGenaiUsage } from '../../src/pricing/genai-prices.ts'
import { globMatches } from '../../src/pricing/overrides.ts'
import { PRICE_TABLE } from '../../src/pricing/price-table.ts'
import { priceUsage } from '../../src/pricing/price-usage.ts'
import { findTableEntry } from '../../src/pricing/table-lookup.ts'
import type { PriceOverride, PriceTableEntry } from '../../src/pricing/types.ts'

const AT = new Date('2026-06-01T00:00:00Z')

function usage(partial: Partial<Usage>): Usage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, ...partial }
}

describe('genai-prices providers', () => {
  test('gpt-4o: 1000 in (200 cached) + 100 out = $0.00325', () => {
    const u = usage({ inputTokens: 1000, cacheReadTokens: 200, outputTokens: 100 })
    const r = priceUsage({ provider: 'openai', model: 'gpt-4o', usage: u, at: AT })
    expect(r).toEqual({ costMicros: 3250, status: 'priced', source: 'genai-prices' })
    // Same number the package itself gives, in micro-USD.
    const direct = calcPrice(toGenaiUsage(u), 'gpt-4o', { providerId: 'openai' })
    expect(Math.round(direct!.total_price * 1e6)).toBe(3250)
  })

  test('gemini-2.5-flash: 100 in, 50 out (thoughts included) → 155 micros via the gemini→google mapping', () => {
    const r = priceUsage({ provider: 'gemini', model: 'gemini-2.5-flash', usage: usage({ inputTokens: 100, outputTokens: 50, reasoningTokens: 30 }), at: AT })
    expect(r.costMicros).toBe(155)
    expect(r.status).toBe('priced')
    expect(r.source).toBe('genai-prices')
  })

  test('anthropic: cache 5m and 1h writes priced at their own rates', () => {
    // claude-sonnet-4-5: in $3, cache read $0.30, 5m write $3.75, 1h write $6, out $15 per 1M.
    const u = usage({
      inputTokens: 1000, cacheReadTokens: 100, cacheWriteTokens: 500, cacheWrite5mTokens: 200, cacheWrite1hTokens: 300, outputTokens: 100,
    })
    const r = priceUsage({ provider: 'anthropic', model: 'claude-sonnet-4-5', usage: u, at: AT })
    // 400×3 + 100×0.3 + 200×3.75 + 300×6 + 100×15 = 1200 + 30 + 750 + 1800 + 1500
    expect(r.costMicros).toBe(5280)
    // Without the TTL split every write is a 5m write.
    const flat = priceUsage({ provider: 'anthropic', model: 'claude-sonnet-4-5', usage: usage({ inputTokens: 1000, cacheReadTokens: 100, cacheWriteTokens: 500, outputTokens: 100 }), at: AT })
    expect(flat.costMicros).toBe(1200 + 30 + 1875 + 1500)
  })

  test('a TTL split without its total is repaired instead of rejected', () => {
    const u = usage({ inputTokens: 1000, cacheWriteTokens: 0, cacheWrite5mTokens: 200, cacheWrite1hTokens: 300, outputTokens: 100 })
    expect(priceUsage({ provider: 'anthropic', model: 'claude-sonnet-4-5', usage: u, at: AT }).costMicros).toBe(500 * 3 + 750 + 1800 + 1500)
  })

  test('overlapping modality breakdowns fall back to text rates with a note', () => {
    const u = usage({ inputTokens: 100, cacheReadTokens: 50, inputAudioTokens: 10, outputTokens: 5 })
    const r = priceUsage({ provider: 'gemini', model: 'gemini-2.5-flash', usage: u, at: AT })
    // 50×0.3 + 50×0.03 + 5×2.5 = 15 + 1.5 + 12.5
    expect(r.costMicros).toBe(29)
    expect(r.status).toBe('priced')
    expect(r.detail).toContain('modality breakdown dropped')
  })

  test('images on a token-only model: tokens priced, images noted', () => {
    const r = priceUsage({ provider: 'openai', model: 'gpt-4o', usage: usage({ inputTokens: 1000, outputTokens: 100, images: 2 }), at: AT })
    expect(r.costMicros).toBe(3500)
    expect(r.status).toBe('priced')
    expect(r.detail).toContain('images')
  })
})

describe('unknown prices are never $0', () => {
  test('unknown model of a known provider', () => {
    const r = priceUsage({ provider: 'openai', model: 'gpt-does-not-exist', usage: usage({ inputTokens: 10, outputTokens: 10 }), at: AT })
    expect(r).toMatchObject({ costMicros: null, status: 'unpriced', source: 'none' })
  })

  test('unknown provider, and a DashScope model not in our table', () => {
    expect(priceUsage({ provider: 'nope', model: 'x', usage: usage({ inputTokens: 1 }), at: AT }).costMicros).toBeNull()
    const r = priceUsage({ provider: 'dashscope', model: 'qwen-long', usage: usage({ inputTokens: 1 }), at: AT })
    expect(r).toMatchObject({ costMicros: null, status: 'unpriced' })
  })

  test('BytePlus endpoint ids are unpriced until mapped to a model', () => {
    const r = priceUsage({ provider: 'byteplus', model: 'ep-20250101-abcde', usage: usage({ inputTokens: 10 }), at: AT })
    expect(r.status).toBe('unpriced')
    expect(r.costMicros).toBeNull()
  })

  test('a model whose only reported unit has no price is unpriced, not $0', () => {
    const r = priceUsage({ provider: 'byteplus', model: 'seed-1-6-250915', usage: usage({ images: 3 }), at: AT })
    expect(r).toMatchObject({ costMicros: null, status: 'unpriced', source: 'table' })
    expect(r.detail).toContain('images')
  })

  test('invalid counts are rejected', () => {
    const r = priceUsage({ provider: 'openai', model: 'gpt-4o', usage: usage({ inputTokens: -5 }), at: AT })
    expect(r).toMatchObject({ costMicros: null, status: 'unpriced' })
  })

  test('all-zero usage on a known model is a real $0', () => {
    expect(priceUsage({ provider: 'openai', model: 'gpt-4o', usage: usage({}), at: AT })).toEqual({ costMicros: 0, status: 'priced', source: 'genai-prices' })
    expect(priceUsage({ provider: 'dashscope', model: 'qwen-plus', usage: usage({}), at: AT })).toEqual({ costMicros: 0, status: 'priced', source: 'table' })
  })
})

describe('our table', () => {
  test('DashScope qwen3-max tiers: one token over the boundary moves every token to the next tier', () => {
    // ≤32K: $1.2 in / $6 out; 32K–128K: $2.4 / $12.
    const under = priceUsage({ provider: 'dashscope', model: 'qwen3-max', usage: usage({ inputTokens: 32_000, outputTokens: 1_000 }), at: AT })
    expect(under).toEqual({ costMicros: 38_400 + 6_000, status: 'priced', source: 'table' })
    const over = priceUsage({ provider: 'dashscope', model: 'qwen3-max', usage: usage({ inputTokens: 32_001, outputTokens: 1_000 }), at: AT })
    // 32_001 × 2.4 = 76_802.4 plus 12_000 → 88_802 after the single rounding.
    expect(over.costMicros).toBe(88_802)
  })

  test('DashScope thinking mode bills output at the thinking rate', () => {
    const plain = priceUsage({ provider: 'dashscope', model: 'qwen-plus', usage: usage({ inputTokens: 1_000, outputTokens: 1_000 }), at: AT })
    const thinking = priceUsage({ provider: 'dashscope', model: 'qwen-plus', usage: usage({ inputTokens: 1_000, outputTokens: 1_000, reasoningTokens: 600 }), at: AT })
    expect(plain.costMicros).toBe(400 + 1_200)
    expect(thinking.costMicros).toBe(400 + 4_000)
  })

  test('BytePlus seed-1-6 tiers by prompt length, cache hits at their own rate', () => {
    const small = priceUsage({ provider: 'byteplus', model: 'seed-1-6-250915', usage: usage({ inputTokens: 10_000, cacheReadTokens: 4_000, outputTokens: 2_000 }), at: AT })
    // 6_000×0.25 + 4_000×0.05 + 2_000×2 = 1_500 + 200 + 4_000
    expect(small.costMicros).toBe(5_700)
    const large = priceUsage({ provider: 'byteplus', model: 'seed-1-6-250915', usage: usage({ inputTokens: 200_000, outputTokens: 2_000 }), at: AT })
    // 200_000×0.5 + 2_000×4
    expect(large.costMicros).toBe(108_000)
  })

  test('longest prefix wins: seed-1-6-flash is not priced as seed-1-6', () => {
    const r = priceUsage({ provider: 'byteplus', model: 'seed-1-6-flash-250715', usage: usage({ inputTokens: 1_000_000, outputTokens: 1_000_000 }), at: AT })
    // 1M input is past the 256K top tier: every token at the top tier ($0.10 in / $0.80 out).
    expect(r.costMicros).toBe(100_000 + 800_000)
    expect(r.detail).toContain('top tier')
  })

  test('Seedream is billed per image; its informational tokens cost nothing', () => {
    const r = priceUsage({ provider: 'byteplus', model: 'seedream-4-0-250828', usage: usage({ outputTokens: 16_384, images: 2 }), at: AT })
    expect(r).toEqual({ costMicros: 60_000, status: 'priced', source: 'table' })
    expect(priceUsage({ provider: 'byteplus', model: 'seedream-4-5-251128', usage: usage({ images: 1 }), at: AT }).costMicros).toBe(40_000)
  })

  test('Seedance is billed per 1M video tokens, with or without the doubao- prefix', () => {
    const u = usage({ outputTokens: 108_900, videoSeconds: 5 })
    const a = priceUsage({ provider: 'byteplus', model: 'doubao-seedance-1-5-pro-251215', usage: u, at: AT })
    const b = priceUsage({ provider: 'byteplus', model: 'seedance-1-5-pro-251215', usage: u, at: AT })
    expect(a).toEqual({ costMicros: 261_360, status: 'priced', source: 'table' }) // 108_900 × 2.4
    expect(b.costMicros).toBe(261_360)
  })

  test('Wan video is billed per second, fractional seconds included', () => {
    const r = priceUsage({ provider: 'dashscope', model: 'wan2.5-t2v-preview', usage: usage({ videoSeconds: 5.5 }), at: AT })
    expect(r.costMicros).toBe(825_000)
  })

  test('versioned model ids find their base entry', () => {
    const r = priceUsage({ provider: 'dashscope', model: 'qwen-plus-2025-07-28', usage: usage({ inputTokens: 100_000, outputTokens: 100_000 }), at: AT })
    expect(r.costMicros).toBe(40_000 + 120_000)
    expect(findTableEntry(PRICE_TABLE, 'dashscope', 'qwen-plus-2025-07-28', AT)?.model).toBe('qwen-plus')
    expect(findTableEntry(PRICE_TABLE, 'dashscope', 'qwen-plusx', AT)).toBeUndefined()
  })

  test('effective date picks the price version in force at the request time', () => {
    const table: PriceTableEntry[] = [
      { provider: 'acme', model: 'm', effectiveFrom: '2025-01-01', inputMicrosPerMTok: 1_000_000, outputMicrosPerMTok: 0, source: 'test' },
      { provider: 'acme', model: 'm', effectiveFrom: '2025-07-01', inputMicrosPerMTok: 2_000_000, outputMicrosPerMTok: 0, source: 'test' },
    ]
    const u = usage({ inputTokens: 1_000 })
    expect(priceUsage({ provider: 'acme', model: 'm-2', usage: u, at: new Date('2025-06-30T23:59:59Z'), table }).costMicros).toBe(1_000)
    expect(priceUsage({ provider: 'acme', model: 'm-2', usage: u, at: new Date('2025-07-01T00:00:00Z'), table }).costMicros).toBe(2_000)
    expect(priceUsage({ provider: 'acme', model: 'm', usage: u, at: new Date('2024-12-31T00:00:00Z'), table }).status).toBe('unpriced')
    // And in the real table: qwen-max before and after the 2025 price cut.
    const q = usage({ inputTokens: 1_000_000 })
    expect(priceUsage({ provider: 'dashscope', model: 'qwen-max', usage: q, at: new Date('2024-10-01') }).costMicros).toBe(10_000_000)
    expect(priceUsage({ provider: 'dashscope', model: 'qwen-max', usage: q, at: AT }).costMicros).toBe(1_600_000)
  })

  test('every table entry is well formed', () => {
    for (const e of PRICE_TABLE) {
      expect(Number.isFinite(Date.parse(e.effectiveFrom))).toBe(true)
      expect(e.source).toMatch(/^https:\/\//)
      const rates = [e.inputMicrosPerMTok, e.outputMicrosPerMTok, e.cacheReadMicrosPerMTok, e.perImageMicros, e.perVideoSecondMicros, e.perOutputMTok, ...(e.tiers ?? []).flatMap((t) => [t.inputMicrosPerMTok, t.outputMicrosPerMTok])]
      for (const r of rates) if (r !== undefined) expect(Number.isInteger(r) && r >= 0).toBe(true)
      const priced = e.inputMicrosPerMTok !== undefined || e.tiers !== undefined || e.perOutputMTok !== undefined || e.perImageMicros !== undefined || e.perVideoSecondMicros !== undefined
      // A row without rates is allowed only with a reason (a retired model id, priced as unknown from then on).
      expect(priced || (e.note?.length ?? 0) > 0).toBe(true)
    }
  })
})

describe('overrides', () => {
  const overrides: PriceOverride[] = [
    { provider: 'dashscope', model: 'qwen-plus*', inputMicrosPerMTok: 5_000_000, outputMicrosPerMTok: 0 },
    { provider: 'dashscope', model: 'qwen-plus*', orgId: 'org-a', inputMicrosPerMTok: 7_000_000, outputMicrosPerMTok: 0 },
  ]
  const u = usage({ inputTokens: 1_000 })

  test('org override beats global override beats table', () => {
    expect(priceUsage({ provider: 'dashscope', model: 'qwen-plus', usage: u, at: AT, orgId: 'org-a', overrides })).toEqual({ costMicros: 7_000, status: 'priced', source: 'override' })
    expect(priceUsage({ provider: 'dashscope', model: 'qwen-plus', usage: u, at: AT, orgId: 'org-b', overrides })).toEqual({ costMicros: 5_000, status: 'priced', source: 'override' })
    expect(priceUsage({ provider: 'dashscope', model: 'qwen-plus', usage: u, at: AT, overrides })).toEqual({ costMicros: 5_000, status: 'priced', source: 'override' })
    expect(priceUsage({ provider: 'dashscope', model: 'qwen-plus', usage: u, at: AT })).toEqual({ costMicros: 400, status: 'priced', source: 'table' })
  })

  test('overrides also beat genai-prices, and price models nobody else knows', () => {
    const o: PriceOverride[] = [{ provider: '*', model: '*-internal', inputMicrosPerMTok: 1_000_000, outputMicrosPerMTok: 2_000_000 }]
    expect(priceUsage({ provider: 'openai', model: 'gpt-4o-internal', usage: usage({ inputTokens: 10, outputTokens: 10 }), at: AT, overrides: o }).costMicros).toBe(30)
    expect(priceUsage({ provider: 'openai', model: 'gpt-4o', usage: usage({ inputTokens: 10, outputTokens: 10 }), at: AT, overrides: o }).source).toBe('genai-prices')
  })

  test('the most specific pattern wins within a scope; future overrides are ignored', () => {
    const o: PriceOverride[] = [
      { provider: 'openai', model: '*', inputMicrosPerMTok: 1_000_000, outputMicrosPerMTok: 0 },
      { provider: 'openai', model: 'gpt-4o-mini*', inputMicrosPerMTok: 3_000_000, outputMicrosPerMTok: 0 },
      { provider: 'openai', model: 'gpt-4o*', inputMicrosPerMTok: 2_000_000, outputMicrosPerMTok: 0 },
      { provider: 'openai', model: 'gpt-4o-mini*', effectiveFrom: '2030-01-01', inputMicrosPerMTok: 9_000_000, outputMicrosPerMTok: 0 },
    ]
    const price = (model: string) => priceUsage({ provider: 'openai', model, usage: usage({ inputTokens: 1_000 }), at: AT, overrides: o }).costMicros
    expect(price('gpt-4o-mini-2024-07-18')).toBe(3_000)
    expect(price('gpt-4o-2024-08-06')).toBe(2_000)
    expect(price('o3')).toBe(1_000)
  })

  test('glob matching', () => {
    expect(globMatches('qwen-*', 'qwen-plus-2025-07-28')).toBe(true)
    expect(globMatches('qwen-*', 'qwen3-max')).toBe(false)
    expect(globMatches('*flash*', 'seed-1-6-flash-250715')).toBe(true)
    expect(globMatches('wan2.5-*', 'wan2x5-t2v')).toBe(false) // dots are literal
    expect(globMatches('gpt-4o', 'gpt-4o-mini')).toBe(false) // anchored
    expect(globMatches('*', 'anything')).toBe(true)
  })
})

describe('money is always an integer', () => {
  // Deterministic PRNG so a failure is reproducible.
  let seed = 42
  const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31)
  const int = (max: number) => Math.floor(rand() * max)

  test('random usages across every pricing path give integer micro-USD', () => {
    const targets = [
      ['openai', 'gpt-4o'], ['anthropic', 'claude-sonnet-4-5'], ['gemini', 'gemini-2.5-flash'], ['dashscope', 'qwen3-max'],
      ['dashscope', 'qwen-plus-latest'], ['byteplus', 'seed-1-6-250915'], ['byteplus', 'seedream-4-5-251128'],
      ['byteplus', 'doubao-seedance-1-0-pro-250528'], ['dashscope', 'wan2.2-t2v-plus'], ['mulerouter', 'claude-sonnet-4-5-20250929'],
    ] as const
    const overrides: PriceOverride[] = [{ provider: 'openai', model: 'gpt-4o', orgId: 'odd', inputMicrosPerMTok: 1_234_567.891, outputMicrosPerMTok: 3.333 }]
    for (let i = 0; i < 2_000; i++) {
      const [provider, model] = targets[i % targets.length]!
      const cacheReadTokens = int(50_000)
      const cacheWrite5mTokens = int(20_000)
      const cacheWrite1hTokens = int(20_000)
      const cacheWriteTokens = provider === 'anthropic' ? cacheWrite5mTokens + cacheWrite1hTokens : 0
      const outputTokens = int(300_000)
      const u = usage({
        inputTokens: cacheReadTokens + cacheWriteTokens + int(250_000),
        cacheReadTokens, cacheWriteTokens,
        ...(provider === 'anthropic' ? { cacheWrite5mTokens, cacheWrite1hTokens } : {}),
        outputTokens, reasoningTokens: int(outputTokens + 1),
        images: int(5), videoSeconds: Math.round(rand() * 12_000) / 1000,
      })
      const r = priceUsage({ provider, model, usage: u, at: AT, orgId: i % 3 === 0 ? 'odd' : undefined, overrides })
      expect(r.status).toBe('priced')
      expect(Number.isInteger(r.costMicros)).toBe(true)
      expect(r.costMicros!).toBeGreaterThanOrEqual(0)
    }
  })
})
