// The meter's copy of a response: whole when small, head and tail when huge, nothing for media.
import { expect, test } from 'bun:test'
import { concatBytes } from '../../src/concat-bytes.ts'
import { ResponseRecorder } from '../../src/metering/protocol/response-recorder.ts'

const KIB = 1024
const MIB = 1024 * KIB

function body(size: number): Uint8Array {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 12)) & 0xff
  return bytes
}

function record(bytes: Uint8Array, chunk: number, keep = true) {
  const recorder = new ResponseRecorder(keep)
  for (let at = 0; at < bytes.byteLength; at += chunk) recorder.push(bytes.subarray(at, at + chunk))
  return recorder.take()
}

test('a body up to 4 MiB is kept whole, chunk by chunk', () => {
  const bytes = body(4 * MIB)
  const { parts, truncated } = record(bytes, 64 * KIB)
  expect(truncated).toBe(false)
  expect(concatBytes(parts, bytes.byteLength)).toEqual(bytes)
})

test('past 4 MiB: the first 512 KiB and at least the last 2 MiB, in order, with nothing in between', () => {
  const bytes = body(6 * MIB + 12_345)
  for (const chunk of [64 * KIB, 100_000, 3 * MIB]) {
    const { parts, truncated } = record(bytes, chunk)
    expect(truncated).toBe(true)
    const total = parts.reduce((n, p) => n + p.byteLength, 0)
    const kept = concatBytes(parts, total)
    expect(kept.subarray(0, 512 * KIB)).toEqual(bytes.subarray(0, 512 * KIB))
    const tailLength = total - 512 * KIB
    expect(tailLength).toBeGreaterThanOrEqual(2 * MIB)
    expect(kept.subarray(512 * KIB)).toEqual(bytes.subarray(bytes.byteLength - tailLength))
    expect(total).toBeLessThan(bytes.byteLength)
  }
})

test('media is counted, not kept', () => {
  expect(record(body(MIB), 64 * KIB, false)).toEqual({ parts: [], truncated: false })
})
