// Token reservation sizing and the per key+model typical output tracker.
import { describe, expect, test } from 'bun:test'
import { DEFAULT_TYPICAL_OUTPUT_TOKENS, TypicalOutput, reservationTokens } from '../../src/limits/estimate-reservation.ts'

describe('reservationTokens', () => {
  test('max_tokens is the upper bound a budget reserves, whatever the typical output (max_tokens 8000 reserves 8000, not 1024)', () => {
    expect(reservationTokens({ inputTokensEstimate: 1200, maxTokensRequested: 8000, modelOutputLimitTokens: 16_384 })).toEqual({
      inputTokens: 1200,
      expectedOutputTokens: DEFAULT_TYPICAL_OUTPUT_TOKENS,
      expectedTotalTokens: 1200 + DEFAULT_TYPICAL_OUTPUT_TOKENS,
      maxOutputTokens: 8000,
      maxOutputSource: 'max_tokens',
    })
    const observed = reservationTokens({ inputTokensEstimate: 10, maxTokensRequested: 8000, typicalOutputTokens: 300, modelOutputLimitTokens: 16_384 })
    expect([observed.expectedOutputTokens, observed.maxOutputTokens]).toEqual([300, 8000])
  })

  test('max_tokens above what the model can produce is bounded by the model limit; several answers multiply it', () => {
    const big = reservationTokens({ inputTokensEstimate: 10, maxTokensRequested: 100_000, modelOutputLimitTokens: 8192 })
    expect([big.maxOutputTokens, big.maxOutputSource]).toEqual([8192, 'model_limit'])
    expect(reservationTokens({ inputTokensEstimate: 10, maxTokensRequested: 500, answers: 4, modelOutputLimitTokens: 8192 }).maxOutputTokens).toBe(2000)
  })

  test('without max_tokens the model limit is reserved for a budget, the typical output (default 1024) for a token rate', () => {
    expect(reservationTokens({ inputTokensEstimate: 10, modelOutputLimitTokens: 8192 })).toEqual({
      inputTokens: 10,
      expectedOutputTokens: 1024,
      expectedTotalTokens: 1034,
      maxOutputTokens: 8192,
      maxOutputSource: 'model_limit',
    })
    expect(reservationTokens({ inputTokensEstimate: 10, typicalOutputTokens: 300.2, modelOutputLimitTokens: 8192 }).expectedOutputTokens).toBe(301)
    // A request asking for less than the typical output is expected to use at most what it asked for.
    expect(reservationTokens({ inputTokensEstimate: 10, maxTokensRequested: 100, typicalOutputTokens: 5000, modelOutputLimitTokens: 8192 }).expectedOutputTokens).toBe(100)
  })
})

describe('TypicalOutput', () => {
  test('default until enough samples, then the p90 of recent outputs', () => {
    const t = new TypicalOutput({ minSamples: 5 })
    for (let i = 1; i <= 4; i++) t.observe('k', 'm', i * 100)
    expect(t.typical('k', 'm')).toBe(DEFAULT_TYPICAL_OUTPUT_TOKENS)
    for (let i = 5; i <= 10; i++) t.observe('k', 'm', i * 100)
    // Samples 100..1000: nearest-rank p90 of 10 values is the 9th.
    expect(t.typical('k', 'm')).toBe(900)
    expect(t.typical('k', 'other-model')).toBe(DEFAULT_TYPICAL_OUTPUT_TOKENS)
  })

  test('forgets old samples beyond the ring', () => {
    const t = new TypicalOutput({ samples: 10, minSamples: 1 })
    for (let i = 0; i < 10; i++) t.observe('k', 'm', 5000)
    for (let i = 0; i < 10; i++) t.observe('k', 'm', 50)
    expect(t.typical('k', 'm')).toBe(50)
  })

  test('memory bounded: least recently observed pairs are evicted', () => {
    const t = new TypicalOutput({ maxEntries: 2, minSamples: 1 })
    t.observe('a', 'm', 10)
    t.observe('b', 'm', 20)
    t.observe('a', 'm', 10)
    t.observe('c', 'm', 30)
    expect(t.size).toBe(2)
    expect(t.typical('b', 'm')).toBe(DEFAULT_TYPICAL_OUTPUT_TOKENS)
    expect(t.typical('a', 'm')).toBe(10)
    expect(t.typical('c', 'm')).toBe(30)
  })
})
