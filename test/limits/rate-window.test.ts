// Per-minute limiter: N admitted then an exact retryAfter, refill with the clock, token costs and corrections.
import { describe, expect, test } from 'bun:test'
import { RateWindow } from '../../src/limits/rate-window.ts'

const T0 = 1_700_000_000_000

describe('requests per minute', () => {
  test('exactly N admitted, then a rejection with the time until one unit refills', () => {
    const rw = new RateWindow()
    for (let i = 0; i < 10; i++) {
      const d = rw.tryConsume('k', 1, T0, 10)
      expect(d).toEqual({ ok: true, limit: 10, remaining: 9 - i, resetMs: T0 + 6000 * (i + 1), retryAfterMs: 0 })
    }
    expect(rw.tryConsume('k', 1, T0, 10)).toEqual({ ok: false, limit: 10, remaining: 0, resetMs: T0 + 60_000, retryAfterMs: 6000 })
    // One ms early is still too early; at retryAfter exactly one more fits.
    expect(rw.tryConsume('k', 1, T0 + 5999, 10).ok).toBe(false)
    expect(rw.tryConsume('k', 1, T0 + 5999, 10).retryAfterMs).toBe(1)
    expect(rw.tryConsume('k', 1, T0 + 6000, 10)).toMatchObject({ ok: true, remaining: 0 })
    expect(rw.tryConsume('k', 1, T0 + 6000, 10)).toMatchObject({ ok: false, retryAfterMs: 6000 })
  })

  test('the window slides: capacity returns gradually and fully after a minute', () => {
    const rw = new RateWindow()
    for (let i = 0; i < 60; i++) rw.tryConsume('k', 1, T0, 60)
    expect(rw.tryConsume('k', 1, T0, 60)).toMatchObject({ ok: false, retryAfterMs: 1000 })
    expect(rw.peek('k', T0 + 30_000, 60).remaining).toBe(30)
    expect(rw.peek('k', T0 + 60_000, 60)).toMatchObject({ remaining: 60, resetMs: T0 + 60_000 })
    let admitted = 0
    while (rw.tryConsume('k', 1, T0 + 60_000, 60).ok) admitted++
    expect(admitted).toBe(60)
  })

  test('keys are independent and idle keys are dropped', () => {
    const rw = new RateWindow()
    rw.tryConsume('a', 1, T0, 1)
    expect(rw.tryConsume('a', 1, T0, 1).ok).toBe(false)
    expect(rw.tryConsume('b', 1, T0, 1).ok).toBe(true)
    expect(rw.size).toBe(2)
    rw.tryConsume('c', 1, T0 + 60_000, 5)
    expect(rw.size).toBe(1)
    rw.sweep(T0 + 120_000)
    expect(rw.size).toBe(0)
  })

  test('refund returns a unit (e.g. when a later check rejected the request)', () => {
    const rw = new RateWindow()
    rw.tryConsume('k', 1, T0, 2)
    rw.tryConsume('k', 1, T0, 2)
    expect(rw.tryConsume('k', 1, T0, 2).ok).toBe(false)
    rw.refund('k', 1, T0)
    expect(rw.tryConsume('k', 1, T0, 2)).toMatchObject({ ok: true, remaining: 0 })
  })
})

describe('tokens per minute', () => {
  test('costs consume proportionally; oversize costs can never fit', () => {
    const rw = new RateWindow()
    expect(rw.tryConsume('k', 4000, T0, 10_000)).toEqual({ ok: true, limit: 10_000, remaining: 6000, resetMs: T0 + 24_000, retryAfterMs: 0 })
    expect(rw.tryConsume('k', 5000, T0, 10_000)).toMatchObject({ ok: true, remaining: 1000 })
    // Needs 2000 more than the 1000 left: 2000 tokens refill in 12 s at 10k/min.
    expect(rw.tryConsume('k', 3000, T0, 10_000)).toMatchObject({ ok: false, remaining: 1000, retryAfterMs: 12_000 })
    expect(rw.tryConsume('k', 3000, T0 + 12_000, 10_000)).toMatchObject({ ok: true, remaining: 0 })
    expect(rw.tryConsume('other', 10_001, T0, 10_000)).toMatchObject({ ok: false, retryAfterMs: Number.POSITIVE_INFINITY })
  })

  test('adjust corrects an estimate with the actual count', () => {
    const rw = new RateWindow()
    rw.tryConsume('k', 5000, T0, 10_000) // estimate
    rw.adjust('k', -3000, T0) // actual was 2000
    expect(rw.peek('k', T0, 10_000).remaining).toBe(8000)
    rw.adjust('k', 9000, T0) // a later request used far more than estimated: bucket goes into debt
    const d = rw.tryConsume('k', 1, T0, 10_000)
    expect(d.ok).toBe(false)
    expect(d.remaining).toBe(0)
    // 11000 used of 10000: 1001 tokens must refill for 1 to fit -> ceil(1001 * 6) ms.
    expect(d.retryAfterMs).toBe(6006)
    expect(rw.tryConsume('k', 1, T0 + 6005, 10_000).ok).toBe(false)
    expect(rw.tryConsume('k', 1, T0 + 6006, 10_000).ok).toBe(true)
  })

  test('adjust on a drained key: refunds vanish, additions need the limit', () => {
    const rw = new RateWindow()
    rw.adjust('k', -100, T0)
    rw.adjust('k', 100, T0)
    expect(rw.size).toBe(0)
    rw.adjust('k', 600, T0, 600)
    expect(rw.peek('k', T0, 600).remaining).toBe(0)
    expect(rw.peek('k', T0 + 30_000, 600).remaining).toBe(300)
  })

  test('invalid arguments throw', () => {
    const rw = new RateWindow()
    expect(() => rw.tryConsume('k', -1, T0, 10)).toThrow(RangeError)
    expect(() => rw.tryConsume('k', 1, T0, Number.NaN)).toThrow(RangeError)
    expect(() => rw.adjust('k', Number.POSITIVE_INFINITY, T0)).toThrow(RangeError)
  })
})
