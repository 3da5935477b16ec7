// In-flight caps per key with idempotent leases.
import { expect, test } from 'bun:test'
import { ConcurrencyLimiter } from '../../src/concurrency-limiter.ts'

test('admits up to max in flight per key', () => {
  const c = new ConcurrencyLimiter()
  const a = c.tryAcquire('k', 2)
  const b = c.tryAcquire('k', 2)
  expect(a).not.toBeNull()
  expect(b).not.toBeNull()
  expect(c.tryAcquire('k', 2)).toBeNull()
  expect(c.tryAcquire('other', 2)).not.toBeNull()
  expect(c.inFlight('k')).toBe(2)
  a?.release()
  expect(c.inFlight('k')).toBe(1)
  expect(c.tryAcquire('k', 2)).not.toBeNull()
})

test('release is idempotent per lease and never goes below zero', () => {
  const c = new ConcurrencyLimiter()
  const a = c.tryAcquire('k', 1)
  const b = a === null ? null : c.tryAcquire('k', 5)
  expect(c.inFlight('k')).toBe(2)
  expect(a?.release()).toBe(true)
  expect(a?.release()).toBe(false)
  expect(a === null ? null : c.release(a)).toBe(false)
  expect(a?.released).toBe(true)
  expect(c.inFlight('k')).toBe(1)
  expect(b?.release()).toBe(true)
  expect(c.inFlight('k')).toBe(0)
  expect(c.size).toBe(0)
})

test('max of zero admits nothing', () => {
  const c = new ConcurrencyLimiter()
  expect(c.tryAcquire('k', 0)).toBeNull()
  expect(c.size).toBe(0)
})
