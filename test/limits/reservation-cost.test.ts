// What a budget reserves per request: the output upper bound from the price data, priced at the model's rate or, unpriced, the provider's dearest.
import { describe, expect, test } from 'bun:test'
import { requestedAnswers, requestedImages, requestedMaxTokens } from '../../src/limits/extract-max-tokens.ts'
import { seedreamDialect } from '../../src/providers/byteplus/dialects.ts'
import { anthropicDialect } from '../../src/providers/dialects/anthropic/index.ts'
import { dashscopeDialect } from '../../src/providers/dialects/dashscope/index.ts'
import { geminiDialect } from '../../src/providers/dialects/gemini/index.ts'
import { openaiDialect } from '../../src/providers/dialects/openai/index.ts'
import { conservativeCostMicros, reservationCost } from '../../src/limits/reservation-cost.ts'
import { conservativeRates } from '../../src/pricing/conservative-rates.ts'
import { MAX_OUTPUT_TOKENS, modelOutputLimitTokens } from '../../src/pricing/output-limit.ts'
import { priceUsage } from '../../src/pricing/price-usage.ts'

const AT = new Date('2026-06-01T00:00:00Z')
const cost = (provider: string, model: string | undefined, inputTokens = 100, maxOutputTokens = 5000) =>
  reservationCost({ provider, model, inputTokens, maxOutputTokens, at: AT, orgId: 'org', overrides: [] })

describe('reservationCost', () => {
  test('a priced model is reserved at its own price (gpt-4o-mini: $0.15/M in, $0.60/M out)', () => {
    expect(cost('openai', 'gpt-4o-mini')).toEqual({ costMicros: 100 * 0.15 + 5000 * 0.6, basis: 'model' })
  })

  test('an operator override prices the reservation like it prices the usage', () => {
    const overrides = [{ provider: 'openai', model: 'house-model', inputMicrosPerMTok: 1_000_000_000, outputMicrosPerMTok: 1_000_000_000 }]
    const reserved = reservationCost({ provider: 'openai', model: 'house-model', inputTokens: 10, maxOutputTokens: 100, at: AT, orgId: 'org', overrides })
    expect(reserved).toEqual({ costMicros: 110_000, basis: 'model' })
  })

  test('a dearer thinking rate is the one reserved (DashScope qwen-plus: $4/M thinking output)', () => {
    expect(cost('dashscope', 'qwen-plus').costMicros).toBe(100 * 0.4 + 5000 * 4)
  })

  test('a per-image model reserves its images (Seedream 4.5: $0.04 each), up to 15 for sequential generation', () => {
    const seedream = (json: Record<string, unknown>) =>
      reservationCost({ provider: 'byteplus', model: 'seedream-4-5', inputTokens: 100, maxOutputTokens: 4096, maxImages: requestedImages(seedreamDialect, json), at: AT, orgId: 'org', overrides: [] })
    expect(seedream({}).costMicros).toBe(40_000)
    expect(seedream({ sequential_image_generation: 'auto' }).costMicros).toBe(15 * 40_000)
    expect(seedream({ sequential_image_generation: 'auto', sequential_image_generation_options: { max_images: 3 } }).costMicros).toBe(3 * 40_000)
    // Images leave a token-priced model's price as it is.
    expect(reservationCost({ provider: 'openai', model: 'gpt-4o-mini', inputTokens: 100, maxOutputTokens: 5000, maxImages: 2, at: AT, orgId: 'org', overrides: [] }).costMicros).toBe(cost('openai', 'gpt-4o-mini').costMicros)
  })

  test('an unknown dated id and a missing model reserve at least what any model of the provider would cost', () => {
    const unknown = cost('openai', 'gpt-4o-mini-2099-01-01')
    expect(unknown.basis).toBe('conservative')
    expect(cost('openai', undefined)).toEqual(unknown)
    for (const model of ['gpt-4o-mini', 'gpt-4o', 'gpt-5', 'o1', 'o3-pro', 'o1-pro']) {
      const priced = priceUsage({ provider: 'openai', model, usage: { inputTokens: 100, outputTokens: 5000, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 5000 }, at: AT })
      expect(priced.status).toBe('priced')
      expect(unknown.costMicros).toBeGreaterThanOrEqual(priced.costMicros!)
    }
    const gemini = cost('gemini', undefined)
    expect(gemini.costMicros).toBeGreaterThan(cost('gemini', 'gemini-2.5-pro').costMicros)
    expect(gemini.costMicros).toBeGreaterThan(0)
  })

  test('our own table covers the providers genai-prices does not; a provider nobody prices gets the dearest rates anywhere', () => {
    expect(conservativeRates('byteplus').outputMicrosPerMTok).toBeGreaterThanOrEqual(6_000_000)
    const anywhere = conservativeRates('my-custom-provider')
    for (const provider of ['openai', 'anthropic', 'gemini', 'dashscope', 'byteplus', 'mulerouter']) {
      expect(anywhere.outputMicrosPerMTok).toBeGreaterThanOrEqual(conservativeRates(provider).outputMicrosPerMTok)
      expect(anywhere.inputMicrosPerMTok).toBeGreaterThanOrEqual(conservativeRates(provider).inputMicrosPerMTok)
    }
    expect(conservativeCostMicros('my-custom-provider', 0, 1_000_000)).toBe(anywhere.outputMicrosPerMTok)
  })
})

describe('modelOutputLimitTokens', () => {
  test('the published output limit first, e.g. gpt-4o-mini 16,384 and gemini-2.5-flash 65,536', () => {
    expect(modelOutputLimitTokens('openai', 'gpt-4o-mini', AT)).toBe(16_384)
    expect(modelOutputLimitTokens('openai', 'gpt-4o-2024-08-06', AT)).toBe(16_384)
    expect(modelOutputLimitTokens('openai', 'gpt-4.1-nano', AT)).toBe(32_768)
    expect(modelOutputLimitTokens('openai', 'o1-mini', AT)).toBe(65_536)
    expect(modelOutputLimitTokens('openai', 'o3-pro', AT)).toBe(100_000)
    expect(modelOutputLimitTokens('gemini', 'gemini-2.5-flash', AT)).toBe(65_536)
    expect(modelOutputLimitTokens('gemini', 'models/gemini-2.0-flash-001', AT)).toBe(8_192)
    // Another provider serving the same name publishes its own limits: not borrowed.
    expect(modelOutputLimitTokens('openrouter', 'gpt-4o-mini', AT)).not.toBe(16_384)
  })
  test('else the context window from genai-prices, no more than MAX_OUTPUT_TOKENS; MAX_OUTPUT_TOKENS when unknown', () => {
    expect(modelOutputLimitTokens('openai', 'gpt-3.5-turbo-0125', AT)).toBeLessThanOrEqual(MAX_OUTPUT_TOKENS)
    expect(modelOutputLimitTokens('openai', 'gpt-4o-mini-2099-01-01', AT)).toBe(MAX_OUTPUT_TOKENS)
    expect(modelOutputLimitTokens('gemini', undefined, AT)).toBe(MAX_OUTPUT_TOKENS)
    expect(modelOutputLimitTokens('byteplus', 'seed-1-6', AT)).toBe(MAX_OUTPUT_TOKENS)
  })
})

describe('requestedMaxTokens / requestedAnswers', () => {
  test('each provider\'s field for the cap, and the number of answers', () => {
    expect(requestedMaxTokens(openaiDialect, { max_completion_tokens: 300, max_tokens: 100 })).toBe(300)
    expect(requestedMaxTokens(openaiDialect, { max_output_tokens: 700 })).toBe(700)
    expect(requestedMaxTokens(geminiDialect, { generationConfig: { maxOutputTokens: 900 } })).toBe(900)
    expect(requestedMaxTokens(dashscopeDialect, { parameters: { max_tokens: 50 } })).toBe(50)
    for (const dialect of [openaiDialect, anthropicDialect, geminiDialect]) expect(requestedMaxTokens(dialect, { max_tokens: '100', generationConfig: null })).toBeUndefined()
    expect(requestedAnswers(openaiDialect, { n: 3 })).toBe(3)
    expect(requestedAnswers(geminiDialect, { generationConfig: { candidateCount: 2 } })).toBe(2)
    expect(requestedAnswers(openaiDialect, { n: 0 })).toBe(1)
    expect(requestedAnswers(openaiDialect, undefined)).toBe(1)
  })
})
