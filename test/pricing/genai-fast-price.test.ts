// The compiled genai-prices plans against the package itself: every model of every provider, every price period, many
// usage shapes (tiers crossed, cache splits, modalities, usage the package rejects): the same float, to the bit.
import { describe, expect, spyOn, test } from 'bun:test'
import { calcPrice, findProvider, type ModelInfo, type Provider, type Usage } from '@pydantic/genai-prices'
import { compileModel, fastCalc } from '../../src/pricing/genai-fast-price.ts'
import { calcPriceRemembering } from '../../src/pricing/genai-match-cache.ts'
import { priceWithGenaiPrices, toGenaiUsage } from '../../src/pricing/genai-prices.ts'
import type { Usage as OurUsage } from '../../src/types/usage.ts'

/** Every provider genai-prices 0.1.8 ships (the package lists none; a missing one fails the first test). */
const PROVIDERS = [
  'anthropic', 'arcee', 'avian', 'aws', 'azure', 'baseten', 'cerebras', 'cloudflare', 'cohere', 'cursor', 'deepseek', 'doubleword',
  'fireworks', 'github-copilot', 'google', 'groq', 'huggingface_cerebras', 'huggingface_fireworks-ai', 'huggingface_groq',
  'huggingface_hyperbolic', 'huggingface_nebius', 'huggingface_novita', 'huggingface_nscale', 'huggingface_ovhcloud',
  'huggingface_publicai', 'huggingface_sambanova', 'huggingface_together', 'minimax', 'mistral', 'modal', 'moonshotai', 'novita',
  'openai', 'openrouter', 'ovhcloud', 'perplexity', 'quicksilverpro', 'together', 'typesafe', 'voyageai', 'x-ai', 'zai', 'zhipuai',
]

/** Deterministic pseudo-random integers, so a failure names a reproducible shape. */
function rng(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0
    return state / 2 ** 32
  }
}

/** Raw usage shapes in the package's keys: typical, tier edges, cache splits, modalities, and inconsistent ones it rejects. */
function usageShapes(tierStarts: readonly number[]): Usage[] {
  const random = rng(tierStarts.length + 7)
  const int = (max: number) => Math.floor(random() * max)
  const shapes: Usage[] = [
    { input_tokens: 0, output_tokens: 0 },
    { input_tokens: 1, output_tokens: 1 },
    { input_tokens: 1234, output_tokens: 567 },
    { input_tokens: 1234, output_tokens: 567, cache_read_tokens: 100 },
    { input_tokens: 100, output_tokens: 5, cache_read_tokens: 101 },
    { input_tokens: 5_000, output_tokens: 900, cache_write_tokens: 1_000, cache_write_5m_tokens: 400, cache_write_1h_tokens: 600 },
    { input_tokens: 5_000, output_tokens: 900, cache_write_tokens: 1_000, cache_write_1h_tokens: 1_001 },
    { input_tokens: 9_000, output_tokens: 3_000, output_reasoning_tokens: 2_999 },
    { input_tokens: 9_000, output_tokens: 3_000, input_audio_tokens: 4_000, output_audio_tokens: 100, cache_read_tokens: 2_000 },
    { input_tokens: 9_000, output_tokens: 3_000, input_image_tokens: 1_500, output_image_tokens: 1_200 },
    { input_tokens: 77, output_tokens: 0, web_searches: 2, audio_seconds: 3.25, input_characters: 1_000 },
    { input_tokens: 77, output_tokens: 11, requests: 1 },
    { input_tokens: 77, output_tokens: 11, unknown_units: 5 },
    { input_tokens: 1e12, output_tokens: 3e11, cache_read_tokens: 5e11 },
  ]
  for (const start of tierStarts) {
    for (const input of [start - 1, start, start + 1]) {
      shapes.push({ input_tokens: input, output_tokens: 1_000 + int(50_000) })
      shapes.push({ input_tokens: input, output_tokens: int(9_000), cache_read_tokens: Math.floor(input / 4), cache_write_tokens: int(1_000) })
    }
  }
  for (let i = 0; i < 12; i++) {
    const input = int(2_000_000)
    const shape: Usage = { input_tokens: input, output_tokens: int(200_000) }
    if (random() < 0.5) shape.cache_read_tokens = int(input + 1)
    if (random() < 0.3) shape.cache_write_tokens = int(50_000)
    if (random() < 0.3) shape.output_reasoning_tokens = int(100_000)
    if (random() < 0.2) shape.input_audio_tokens = int(20_000)
    if (random() < 0.2) shape.web_searches = int(5)
    shapes.push(shape)
  }
  return shapes
}

/** Times that select each period of a model: each start date, the day before it, and inside and outside daily windows. */
function timestamps(model: ModelInfo): Date[] {
  const times = [new Date('2024-01-01T00:00:00Z'), new Date('2026-11-30T12:34:56.789Z')]
  if (!Array.isArray(model.prices)) return times
  for (const conditional of model.prices) {
    const c = conditional.constraint
    if (c?.type === 'start_date') {
      const at = Date.parse(`${c.start_date}T00:00:00Z`)
      times.push(new Date(at), new Date(at - 1), new Date(at + 86_400_000 + 3_600_000))
    }
    if (c?.type === 'time_of_date') {
      for (const hour of [0, 1, 8, 15, 16, 17, 23]) for (const minute of [0, 29, 30, 59]) times.push(new Date(Date.UTC(2026, 5, 10, hour, minute, 30, 500)))
    }
  }
  return times
}

function tierStartsOf(model: ModelInfo): number[] {
  const periods = Array.isArray(model.prices) ? model.prices.map((c) => c.prices) : [model.prices]
  const starts = new Set<number>()
  for (const prices of periods) {
    for (const price of Object.values(prices)) if (typeof price === 'object' && price) for (const tier of price.tiers) starts.add(tier.start)
  }
  return [...starts]
}

type Outcome = { total: number; input: number; output: number; model: string } | { error: string } | null

function outcome(run: () => ReturnType<typeof calcPrice> | undefined): Outcome {
  try {
    const calc = run()
    if (!calc) return null
    return { total: calc.total_price, input: calc.input_price, output: calc.output_price, model: calc.model.id }
  } catch (error) {
    return { error: String(error) }
  }
}

/** Object.is on the floats: toEqual would let -0 and 0 pass as one. */
function same(a: Outcome, b: Outcome): boolean {
  if (a === null || b === null) return a === b
  if ('error' in a || 'error' in b) return 'error' in a && 'error' in b && a.error === b.error
  return Object.is(a.total, b.total) && Object.is(a.input, b.input) && Object.is(a.output, b.output) && a.model === b.model
}

// The shapes with a key the package does not price make it warn on every call: expected, and kept off the output.
spyOn(console, 'warn').mockImplementation(() => {})

const providers = PROVIDERS.map((id) => [id, findProvider({ providerId: id })] as const)

describe('compiled genai-prices plans', () => {
  test('every listed provider is in the package', () => {
    expect(providers.filter(([, provider]) => !provider).map(([id]) => id)).toEqual([])
  })

  test('every model, period and usage shape: the fast answer is the package answer, bit for bit', () => {
    const mismatches: string[] = []
    let fastAnswers = 0
    let packageOnly = 0
    let models = 0
    let tiered = 0
    let windowed = 0
    let tieredFast = 0
    let tieredPriced = 0
    for (const [providerId, provider] of providers) {
      for (const model of (provider as Provider).models) {
        models++
        const name = model.id
        const oneModel: Provider = { ...(provider as Provider), models: [model] }
        const compiled = compileModel(oneModel, name)
        const starts = tierStartsOf(model)
        if (starts.length > 0) tiered++
        if (Array.isArray(model.prices) && model.prices.some((c) => c.constraint?.type === 'time_of_date')) windowed++
        for (const at of timestamps(model)) {
          for (const usage of usageShapes(starts)) {
            const expected = outcome(() => calcPrice(usage, name, { providerId, timestamp: at }))
            const fast = compiled ? outcome(() => fastCalc(compiled, name, usage, at)) : null
            // A key the package does not price makes it warn: such shapes are left to it on purpose.
            const warns = 'requests' in usage || 'unknown_units' in usage
            const pricedByPackage = expected !== null && !('error' in expected)
            if (starts.length > 0 && pricedByPackage && !warns) {
              tieredPriced++
              if (fast !== null) tieredFast++
            }
            if (fast === null) {
              packageOnly++
              continue
            }
            fastAnswers++
            if (!same(fast, expected)) mismatches.push(`${providerId}/${name} at ${at.toISOString()} ${JSON.stringify(usage)}: fast ${JSON.stringify(fast)} package ${JSON.stringify(expected)}`)
          }
        }
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([])
    // The fast path is the rule: it covers the models, their tiers and their daily windows.
    expect(models).toBeGreaterThan(1_000)
    expect(tiered).toBeGreaterThan(50)
    expect(windowed).toBeGreaterThan(0)
    expect(fastAnswers).toBeGreaterThan(packageOnly * 4)
    // A plan the probes reject falls back to the package (correct, but slow): tiered prices must not be the ones left out.
    expect(tieredFast).toBeGreaterThan(tieredPriced * 0.99)
  }, 120_000)

  test('the remembered pricer (what the meter calls) equals the package on first and later calls, errors included', () => {
    const mismatches: string[] = []
    for (const [providerId, provider] of providers) {
      for (const model of (provider as Provider).models.slice(0, 40)) {
        for (const at of timestamps(model).slice(0, 4)) {
          for (const usage of usageShapes(tierStartsOf(model)).slice(0, 14)) {
            const expected = outcome(() => calcPrice(usage, model.id, { providerId, timestamp: at }))
            for (let call = 0; call < 3; call++) {
              const got = outcome(() => calcPriceRemembering(usage, model.id, providerId, at))
              if (!same(got, expected)) mismatches.push(`${providerId}/${model.id} call ${call}: ${JSON.stringify(got)} vs ${JSON.stringify(expected)}`)
            }
          }
        }
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([])
  }, 120_000)

  test('our usage as the meter prices it: micro-dollars equal the package path for each provider mapping', () => {
    const shapes: OurUsage[] = [
      { inputTokens: 1234, outputTokens: 567, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
      { inputTokens: 250_000, outputTokens: 4_000, cacheReadTokens: 120_000, cacheWriteTokens: 9_000, reasoningTokens: 1_000 },
      { inputTokens: 10, outputTokens: 3, cacheReadTokens: 11, cacheWriteTokens: 0, reasoningTokens: 5 },
      { inputTokens: 9_000, outputTokens: 800, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, inputAudioTokens: 3_000, webSearches: 2 },
    ]
    const pairs: [string, string][] = [
      ['openai', 'gpt-4o-mini'], ['openai', 'gpt-4o-mini-2024-07-18'], ['openai', 'o3'], ['anthropic', 'claude-sonnet-4-5'],
      ['google', 'gemini-2.5-pro'], ['google', 'gemini-2.5-flash'], ['deepseek', 'deepseek-chat'], ['x-ai', 'grok-4'], ['groq', 'whisper-large-v3'],
    ]
    for (const [provider, model] of pairs) {
      for (const usage of shapes) {
        const at = new Date('2026-06-10T17:00:00Z')
        const expected = outcome(() => calcPrice(toGenaiUsage(usage), model, { providerId: provider, timestamp: at }))
        // Three calls: the first matches, the later ones run the compiled plan.
        for (let call = 0; call < 3; call++) {
          const got = priceWithGenaiPrices(provider, model, usage, at)
          if (expected === null || 'error' in expected) continue
          expect({ provider, model, call, micros: got && 'costMicros' in got ? got.costMicros : got }).toEqual({ provider, model, call, micros: Math.round(expected.total * 1_000_000) })
        }
      }
    }
  })
})
