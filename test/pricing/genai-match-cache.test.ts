// Tests for the remembered genai-prices match: the second (remembered) call prices exactly like the package itself.
import { describe, expect, test } from 'bun:test'
import { calcPrice } from '@pydantic/genai-prices'
import { calcPriceRemembering } from '../../src/pricing/genai-match-cache.ts'

const PAIRS: [string, string][] = [
  ['openai', 'gpt-4o-mini'],
  ['openai', 'gpt-4o-mini-2024-07-18'],
  ['openai', 'GPT-4o-Mini'],
  ['openai', 'o3'],
  ['openai', 'text-embedding-3-small'],
  ['openai', 'no-such-model-xyz'],
  ['anthropic', 'claude-sonnet-4-5'],
  ['anthropic', 'claude-3-5-haiku-20241022'],
  ['google', 'gemini-2.5-flash'],
  ['groq', 'llama-3.3-70b-versatile'],
  ['groq', 'whisper-large-v3'],
  ['deepseek', 'deepseek-chat'],
  ['x-ai', 'grok-4'],
  ['openrouter', 'openai/gpt-4o-mini'],
  ['openrouter', 'anthropic/claude-sonnet-4.5'],
  ['mistral', 'mistral-large-latest'],
]

describe('calcPriceRemembering', () => {
  const usage = { input_tokens: 1234, output_tokens: 567, cache_read_tokens: 100 }
  for (const at of [new Date('2025-06-01T12:00:00Z'), new Date()]) {
    test(`prices like calcPrice on first and remembered calls (${at.toISOString().slice(0, 10)})`, () => {
      let priced = 0
      for (const [providerId, model] of PAIRS) {
        const reference = calcPrice(usage, model, { providerId, timestamp: at })
        for (let call = 0; call < 2; call++) {
          const got = calcPriceRemembering(usage, model, providerId, at)
          expect({ pair: `${providerId}/${model}`, price: got?.total_price ?? null, model: got?.model.id ?? null }).toEqual({
            pair: `${providerId}/${model}`,
            price: reference?.total_price ?? null,
            model: reference?.model.id ?? null,
          })
        }
        if (reference) priced++
      }
      expect(priced).toBeGreaterThan(10)
    })
  }

  test('audio seconds on Groq whisper keep the package special case (minimum 10 s)', () => {
    const at = new Date()
    const reference = calcPrice({ input_audio_seconds: 3 } as never, 'whisper-large-v3', { providerId: 'groq', timestamp: at })
    expect(reference?.total_price).toBeGreaterThan(0)
    calcPriceRemembering({ input_audio_seconds: 3 } as never, 'whisper-large-v3', 'groq', at)
    expect(calcPriceRemembering({ input_audio_seconds: 3 } as never, 'whisper-large-v3', 'groq', at)?.total_price).toBe(reference?.total_price)
  })
})
