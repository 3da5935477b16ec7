// Token reservation sizing and the per key+model typical output tracker.
import { describe, expect, test } from 'bun:test'
import { DEFAULT_TYPICAL_OUTPUT_TOKENS, TypicalOutput, reservationTokens } from '../../src/limits/estimate-reservation.ts'

describe('reservationTokens', () => {
  test('max_tokens bounded by the cap', () => {
    expect(reservationTokens({ inputTokensEstimate: 1200, maxTokensRequested: 500, capOutputTokens: 8192 })).toEqual({
      inputTokens: 1200,
      outputTokens: 500,
      totalTokens: 1700,
      outputSource: 'max_tokens',
    })
    expect(reservationTokens({ inputTokensEstimate: 10, maxTokensRequested: 100_000, capOutputTokens: 8192 }).outputTokens).toBe(8192)
  })

  test('typical output when no max_tokens, default 1024, also capped', () => {
    expect(reservationTokens({ inputTokensEstimate: 10, capOutputTokens: 8192 })).toEqual({ inputTokens: 10, outputTokens: 1024, totalTokens: 1034, outputSource: 'typical' })
    expect(reservationTokens({ inputTokensEstimate: 10, typicalOutputTokens: 300.2, capOutputTokens: 8192 }).outputTokens).toBe(301)
    expect(reservationTokens({ inputTokensEstimate: 10, typicalOutputTokens: 5000, capOutputTokens: 2000 }).outputTokens).toBe(2000)
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
