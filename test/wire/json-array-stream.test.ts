// The streamed JSON array: elements handed over one by one whatever the chunking, oversized ones reported and skipped, the rest kept as a small document.
import { expect, test } from 'bun:test'
import { jsonArrayStream } from '../../src/wire/json-array-stream.ts'

function run(text: string, chunkSize: number, limits = { maxSkeletonBytes: 1 << 20, maxElementBytes: 1 << 20 }) {
  const elements: (unknown | 'oversized')[] = []
  const stream = jsonArrayStream('inlinedResponses', limits, (bytes) => elements.push(bytes ? JSON.parse(new TextDecoder().decode(bytes)) : 'oversized'))
  const bytes = new TextEncoder().encode(text)
  let ok = true
  for (let i = 0; i < bytes.length && ok; i += chunkSize) ok = stream.push(bytes.subarray(i, i + chunkSize))
  return { elements, skeleton: ok ? stream.end() : undefined, found: stream.found, ok }
}

const document = {
  name: 'batches/b1',
  metadata: { state: 'BATCH_STATE_SUCCEEDED', note: 'a "quoted" ] } [ { , : string with \\ and "inlinedResponses"', list: [1, [2, 3], { a: [] }] },
  response: {
    '@type': 'x',
    inlinedResponses: {
      inlinedResponses: [
        { key: 'a', response: { text: 'héllo ✓ ] , }', usageMetadata: { promptTokenCount: 3 } } },
        { key: 'b', error: { code: 400, message: 'no, "really" [x]' } },
        7,
        'a string, with ] brackets',
        null,
        [1, { x: [2] }],
      ],
    },
  },
  done: true,
}

test('every element comes out whole and in order, whatever the chunk size; the skeleton is the document with the array emptied', () => {
  const text = JSON.stringify(document, null, 1)
  const list = document.response.inlinedResponses.inlinedResponses
  const emptied = { ...document, response: { ...document.response, inlinedResponses: { inlinedResponses: [] } } }
  for (const size of [1, 2, 3, 7, 64, 1 << 20]) {
    const { elements, skeleton, found } = run(text, size)
    expect(found).toBe(true)
    expect(elements).toEqual(list)
    expect(JSON.parse(skeleton!)).toEqual(emptied)
  }
})

test('the key as a string value or inside another string is not the array; only a member named so whose value is an array', () => {
  const text = JSON.stringify({ a: 'inlinedResponses', b: ['inlinedResponses', 1], inlinedResponses: 5, c: { inlinedResponses: [1, 2] } })
  const { elements, skeleton } = run(text, 5)
  expect(elements).toEqual([1, 2])
  expect(JSON.parse(skeleton!)).toEqual({ a: 'inlinedResponses', b: ['inlinedResponses', 1], inlinedResponses: 5, c: { inlinedResponses: [] } })
})

test('an element longer than its bound is reported once and never held; the others still come out', () => {
  const big = 'x'.repeat(5000)
  const text = JSON.stringify({ r: { inlinedResponses: [{ k: 1 }, { k: big }, { k: 3 }] } })
  const { elements, skeleton } = run(text, 100, { maxSkeletonBytes: 1000, maxElementBytes: 1000 })
  expect(elements).toEqual([{ k: 1 }, 'oversized', { k: 3 }])
  expect(JSON.parse(skeleton!)).toEqual({ r: { inlinedResponses: [] } })
})

test('a skeleton past its bound stops the read, and a document cut short has no skeleton', () => {
  const long = JSON.stringify({ pad: 'y'.repeat(5000), inlinedResponses: [1] })
  expect(run(long, 64, { maxSkeletonBytes: 1000, maxElementBytes: 1000 }).ok).toBe(false)
  const cut = JSON.stringify(document).slice(0, 200)
  expect(run(cut, 16).skeleton).toBeUndefined()
  expect(run('{"inlinedResponses": [1, 2', 4).skeleton).toBeUndefined()
})
