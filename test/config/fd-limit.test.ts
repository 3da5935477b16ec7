// The open-file limit read for the start-up warning: parsed from /proc/self/limits, absent when unreadable.
import { expect, test } from 'bun:test'
import { openFileLimit } from '../../src/fd-limit.ts'

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             127616               127616               processes
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`

test('reads the soft open-file limit', () => {
  expect(openFileLimit(LIMITS)).toBe(1024)
  expect(openFileLimit(LIMITS.replace('1024                 524288', 'unlimited            unlimited'))).toBe(Number.POSITIVE_INFINITY)
  expect(openFileLimit('no such line')).toBeUndefined()
})

test('this process reports a limit on Linux', () => {
  const limit = openFileLimit()
  if (process.platform === 'linux') expect(limit).toBeGreaterThan(0)
  else expect(limit).toBeUndefined()
})
