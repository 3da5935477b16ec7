// Request ids keep their format (req_ + 20 base62 characters, unguessable) and sort by the time they were made.
import { expect, test } from 'bun:test'
import { base62Time, newId } from '../../src/auth/key-format.ts'

const FORMAT = /^req_[0-9A-Za-z]{20}$/

test('a request id is req_ and 20 base62 characters, the first 8 its millisecond time', () => {
  const at = Date.UTC(2026, 11, 1, 23, 0, 0, 123)
  const id = newId('req', at)
  expect(id).toMatch(FORMAT)
  expect(id.slice(4, 12)).toBe(base62Time(at))
  expect(newId('req')).toMatch(FORMAT)
  // Other ids are unchanged: 16 random base62 characters.
  for (const kind of ['org', 'key', 'price'] as const) expect(newId(kind)).toMatch(new RegExp(`^${kind}_[0-9A-Za-z]{16}$`))
})

test('ids sort as their times do, across digit carries and decades', () => {
  const times = [0, 1, 61, 62, 63, 3_843, 3_844, 1_700_000_000_000, 1_700_000_000_001, 1_764_630_000_000, Date.UTC(2100, 0, 1), 62 ** 8 - 1]
  const ids = times.map((at) => newId('req', at))
  expect([...ids].sort()).toEqual(ids)
  expect(times.map(base62Time).every((digits) => digits.length === 8)).toBe(true)
  // A random sample of times: the string order is the numeric order.
  const sample = Array.from({ length: 2_000 }, () => Math.floor(Math.random() * 4_000_000_000_000))
  const byString = [...sample].sort((a, b) => (base62Time(a) < base62Time(b) ? -1 : base62Time(a) > base62Time(b) ? 1 : 0))
  expect(byString).toEqual([...sample].sort((a, b) => a - b))
})

test('ids made in the same millisecond differ in their random part', () => {
  const at = 1_764_630_000_000
  const ids = Array.from({ length: 20_000 }, () => newId('req', at))
  expect(new Set(ids).size).toBe(ids.length)
  expect(new Set(ids.map((id) => id.slice(4, 12))).size).toBe(1)
  // The random part uses the whole alphabet (not, say, digits only).
  expect(new Set(ids.flatMap((id) => [...id.slice(12)])).size).toBe(62)
})
