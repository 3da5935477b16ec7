// Our price table is well formed (source, effective date, integer rates, valid windows) and its checks are recorded.
import { describe, expect, test } from 'bun:test'
import type { Usage } from '../../src/types/usage.ts'
import { PRICE_CHECKS } from '../../src/pricing/price-checks.ts'
import { PRICE_TABLE } from '../../src/pricing/price-table.ts'
import { priceUsage } from '../../src/pricing/price-usage.ts'
import { clockMinutes, fieldsAt, inWindow } from '../../src/pricing/time-windows.ts'
import type { PriceTableEntry, TokenRates } from '../../src/pricing/types.ts'

const RATE_KEYS = ['inputMicrosPerMTok', 'outputMicrosPerMTok', 'cacheReadMicrosPerMTok', 'cacheWriteMicrosPerMTok', 'thinkingOutputMicrosPerMTok'] as const
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?$/
const URL_RE = /^https:\/\/[^\s]+$/

function rateValues(r: TokenRates): number[] {
  return RATE_KEYS.map((k) => r[k]).filter((v): v is number => v !== undefined)
}

function hasAnyRate(e: PriceTableEntry): boolean {
  return rateValues(e).length > 0 || (e.tiers?.length ?? 0) > 0 || e.perImageMicros !== undefined || e.perVideoSecondMicros !== undefined || e.perOutputMTok !== undefined
}

function usage(partial: Partial<Usage>): Usage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, ...partial }
}

describe('every table row is well formed', () => {
  test.each(PRICE_TABLE.map((e) => [`${e.provider}/${e.model}@${e.effectiveFrom}`, e] as const))('%s', (_name, e) => {
    expect(e.provider).toMatch(/^[a-z0-9-]+$/)
    expect(e.model.length).toBeGreaterThan(0)
    expect(e.effectiveFrom).toMatch(ISO)
    expect(Number.isFinite(Date.parse(e.effectiveFrom))).toBe(true)
    expect(e.source).toMatch(URL_RE)
    if (e.via !== undefined) expect(e.via).toMatch(URL_RE)
    if (e.checkedOn !== undefined) expect(e.checkedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/)

    const all = [
      ...rateValues(e),
      ...(e.tiers ?? []).flatMap((t) => [t.upToInputTokens, ...rateValues(t)]),
      ...(e.timeWindows ?? []).flatMap((w) => rateValues(w.rates)),
      ...[e.perImageMicros, e.perVideoSecondMicros, e.perOutputMTok].filter((v): v is number => v !== undefined),
    ]
    for (const v of all) expect(Number.isInteger(v) && v >= 0).toBe(true)

    const tiers = e.tiers ?? []
    for (let i = 1; i < tiers.length; i++) expect(tiers[i]!.upToInputTokens).toBeGreaterThan(tiers[i - 1]!.upToInputTokens)

    // A row without any rate must say why (a retired id), so its requests are unpriced with a reason.
    if (!hasAnyRate(e)) expect(e.note?.length ?? 0).toBeGreaterThan(0)

    if (e.timeWindows) {
      expect(e.tiers).toBeUndefined()
      for (const w of e.timeWindows) {
        expect(clockMinutes(w.from)).toBeDefined()
        expect(clockMinutes(w.to)).toBeDefined()
        for (const d of w.weekdays ?? []) expect(d >= 0 && d <= 6 && Number.isInteger(d)).toBe(true)
        // A window replaces every token rate: it must name the same ones as the row.
        expect(RATE_KEYS.filter((k) => w.rates[k] !== undefined)).toEqual(RATE_KEYS.filter((k) => e[k] !== undefined))
      }
    }
  })

  test('rows added in the 2026-12 review (DeepSeek, xAI) record when they were checked', () => {
    const reviewed = PRICE_TABLE.filter((e) => e.provider === 'deepseek' || e.provider === 'xai')
    expect(reviewed.length).toBeGreaterThan(0)
    for (const e of reviewed) expect(e.checkedOn).toBe('2026-12-01')
  })

  test('no two rows share provider, model and effective date', () => {
    const keys = PRICE_TABLE.map((e) => `${e.provider}/${e.model.toLowerCase()}@${Date.parse(e.effectiveFrom)}`)
    expect(new Set(keys).size).toBe(keys.length)
  })
})

describe('the checked list', () => {
  test('every provider with prices changed in 2025–2026 has an entry with a source, a date and an outcome', () => {
    const providers = new Set(PRICE_CHECKS.map((c) => c.provider))
    for (const p of ['deepseek', 'openai', 'anthropic', 'gemini', 'dashscope', 'byteplus', 'mistral', 'xai', 'groq', 'together', 'fireworks', 'openrouter']) {
      expect(providers.has(p)).toBe(true)
    }
    for (const c of PRICE_CHECKS) {
      expect(c.source).toMatch(URL_RE)
      expect(c.checkedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/)
      expect(c.compared.length).toBeGreaterThan(0)
      expect(c.result.length).toBeGreaterThan(0)
    }
  })
})

describe('time windows', () => {
  const peak = { from: '06:00', to: '10:00', rates: { inputMicrosPerMTok: 2 } }
  const overnight = { from: '16:30', to: '00:30', rates: { inputMicrosPerMTok: 1 } }

  test('from is inclusive, to exclusive; a window may run past midnight', () => {
    expect(inWindow(peak, new Date('2026-10-07T05:59:59.999Z'))).toBe(false)
    expect(inWindow(peak, new Date('2026-10-07T06:00:00Z'))).toBe(true)
    expect(inWindow(peak, new Date('2026-10-07T10:00:00Z'))).toBe(false)
    expect(inWindow(overnight, new Date('2026-10-07T23:59:00Z'))).toBe(true)
    expect(inWindow(overnight, new Date('2026-10-08T00:29:59Z'))).toBe(true)
    expect(inWindow(overnight, new Date('2026-10-08T00:30:00Z'))).toBe(false)
  })

  test('weekdays are UTC days; a malformed clock never matches', () => {
    const weekdays = { ...peak, weekdays: [1, 2, 3, 4, 5] }
    expect(inWindow(weekdays, new Date('2026-10-07T07:00:00Z'))).toBe(true) // Wednesday
    expect(inWindow(weekdays, new Date('2026-10-11T07:00:00Z'))).toBe(false) // Sunday
    expect(inWindow({ from: '6:00', to: '10:00', rates: {} }, new Date('2026-10-07T07:00:00Z'))).toBe(false)
    expect(clockMinutes('24:00')).toBeUndefined()
  })

  test('a matching window replaces every token rate; a rate it leaves out is unknown, not the base rate', () => {
    const entry: PriceTableEntry = {
      provider: 'x', model: 'm', effectiveFrom: '2026-01-01', source: 'https://example.test', inputMicrosPerMTok: 1, cacheReadMicrosPerMTok: 1,
      timeWindows: [peak],
    }
    expect(fieldsAt(entry, new Date('2026-10-07T07:00:00Z'))).toMatchObject({ inputMicrosPerMTok: 2 })
    expect(fieldsAt(entry, new Date('2026-10-07T07:00:00Z')).cacheReadMicrosPerMTok).toBeUndefined()
    expect(fieldsAt(entry, new Date('2026-10-07T12:00:00Z'))).toBe(entry)
  })
})

describe('xAI retired slugs bill at grok-4.3 rates (genai-prices 0.1.8 keeps their old rates)', () => {
  const u = usage({ inputTokens: 10_000, cacheReadTokens: 2_000, outputTokens: 1_000 })

  test('grok-3 after 2026-05-15 19:00 UTC: $1.25 / $0.20 cached / $2.50; before it, genai-prices at $3 / $0.75 / $15', () => {
    // 8_000 × 1.25 + 2_000 × 0.20 + 1_000 × 2.50 = 10_000 + 400 + 2_500
    expect(priceUsage({ provider: 'xai', model: 'grok-3', usage: u, at: new Date('2026-06-01T00:00:00Z') })).toEqual({ costMicros: 12_900, status: 'priced', source: 'table' })
    // 8_000 × 3 + 2_000 × 0.75 + 1_000 × 15 = 24_000 + 1_500 + 15_000
    expect(priceUsage({ provider: 'xai', model: 'grok-3', usage: u, at: new Date('2026-05-15T18:59:00Z') })).toEqual({ costMicros: 40_500, status: 'priced', source: 'genai-prices' })
  })

  test('exact keys: grok-3-mini and grok-4.5 are not priced as the retired grok-3 / grok-4-0709', () => {
    const at = new Date('2026-10-01T00:00:00Z')
    expect(priceUsage({ provider: 'xai', model: 'grok-3-mini', usage: u, at }).source).toBe('genai-prices')
    expect(priceUsage({ provider: 'xai', model: 'grok-4.5', usage: u, at }).source).toBe('genai-prices')
    expect(priceUsage({ provider: 'xai', model: 'grok-4-fast-reasoning', usage: u, at }).source).toBe('table')
  })

  test('a prompt of 200K tokens or more is billed at the higher grok-4.3 rate for every token', () => {
    const at = new Date('2026-10-01T00:00:00Z')
    const under = priceUsage({ provider: 'xai', model: 'grok-4-0709', usage: usage({ inputTokens: 199_999, outputTokens: 0 }), at })
    const over = priceUsage({ provider: 'xai', model: 'grok-4-0709', usage: usage({ inputTokens: 200_000, outputTokens: 0 }), at })
    expect(under.costMicros).toBe(249_999) // 199_999 × 1.25 = 249_998.75 → 249_999
    expect(over.costMicros).toBe(500_000)
  })
})
