// Tests for the incremental SSE decoder: framing, line endings, UTF-8 and chunk-boundary independence.
import { describe, expect, test } from 'bun:test'
import { SseDecoder, type SseEvent } from '../../src/wire/sse-decoder.ts'

const enc = new TextEncoder()

function decodeWhole(text: string | Uint8Array): SseEvent[] {
  const d = new SseDecoder()
  const bytes = typeof text === 'string' ? enc.encode(text) : text
  return [...d.push(bytes), ...d.end()]
}

/** Every way of cutting the bytes in two, plus one byte at a time, must give the same events. */
function expectSplitInvariant(text: string, expected: SseEvent[]): void {
  const bytes = enc.encode(text)
  for (let i = 0; i <= bytes.length; i++) {
    const d = new SseDecoder()
    const got = [...d.push(bytes.subarray(0, i)), ...d.push(bytes.subarray(i)), ...d.end()]
    expect({ split: i, got }).toEqual({ split: i, got: expected })
  }
  const d = new SseDecoder()
  const got: SseEvent[] = []
  for (let i = 0; i < bytes.length; i++) got.push(...d.push(bytes.subarray(i, i + 1)))
  got.push(...d.end())
  expect(got).toEqual(expected)
}

describe('SseDecoder', () => {
  test('data with and without the space after the colon', () => {
    expect(decodeWhole('data: {"a":1}\n\ndata:{"b":2}\n\n')).toEqual([{ data: '{"a":1}' }, { data: '{"b":2}' }])
  })

  test('only one leading space is stripped', () => {
    expect(decodeWhole('data:  two\n\n')).toEqual([{ data: ' two' }])
  })

  test('named events and ids belong to their own event only', () => {
    expect(decodeWhole('event: message_start\nid: 7\ndata: x\n\ndata: y\n\n')).toEqual([
      { event: 'message_start', id: '7', data: 'x' },
      { data: 'y' },
    ])
  })

  test('comment lines are ignored (OpenRouter, DashScope, keep-alives)', () => {
    const text = ': OPENROUTER PROCESSING\n\nid:1\nevent:result\n:HTTP_STATUS/200\ndata:{"ok":true}\n\n'
    expect(decodeWhole(text)).toEqual([{ id: '1', event: 'result', data: '{"ok":true}' }])
  })

  test('multi-line data is joined with \\n', () => {
    expect(decodeWhole('data: line one\ndata: line two\ndata\n\n')).toEqual([{ data: 'line one\nline two\n' }])
  })

  test('LF, CRLF and CR line endings', () => {
    const events = [{ event: 'e', data: 'a\nb' }, { data: 'c' }]
    expect(decodeWhole('event: e\ndata: a\ndata: b\n\ndata: c\n\n')).toEqual(events)
    expect(decodeWhole('event: e\r\ndata: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n')).toEqual(events)
    expect(decodeWhole('event: e\rdata: a\rdata: b\r\rdata: c\r\r')).toEqual(events)
  })

  test('a CRLF split across two pushes is one line break, not two', () => {
    const d = new SseDecoder()
    expect(d.push(enc.encode('data: a\r'))).toEqual([])
    expect(d.push(enc.encode('\ndata: b\r'))).toEqual([])
    expect(d.push(enc.encode('\n\r'))).toEqual([{ data: 'a\nb' }])
    expect(d.push(enc.encode('\n'))).toEqual([])
    expect(d.end()).toEqual([])
  })

  test('an empty push between CR and LF keeps the pending CR', () => {
    const d = new SseDecoder()
    expect(d.push(enc.encode('data: a\r'))).toEqual([])
    expect(d.push(new Uint8Array(0))).toEqual([])
    expect(d.push(enc.encode('\ndata: b\r\n\r\n'))).toEqual([{ data: 'a\nb' }])
    expect(d.end()).toEqual([])
  })

  test('events are dispatched on the blank line, not before', () => {
    const d = new SseDecoder()
    expect(d.push(enc.encode('data: x\n'))).toEqual([])
    expect(d.push(enc.encode('\n'))).toEqual([{ data: 'x' }])
  })

  test('a block without data dispatches nothing', () => {
    expect(decodeWhole('event: ping\n\nid: 3\n\n')).toEqual([])
  })

  test('end() flushes a final event that had no trailing blank line', () => {
    expect(decodeWhole('data: first\n\ndata: last\n')).toEqual([{ data: 'first' }, { data: 'last' }])
    expect(decodeWhole('data: first\n\nevent: x\ndata: {"cut":')).toEqual([
      { data: 'first' },
      { event: 'x', data: '{"cut":' },
    ])
  })

  test('end() on an empty decoder yields nothing, and the decoder is reusable after', () => {
    const d = new SseDecoder()
    expect(d.end()).toEqual([])
    expect(d.push(enc.encode('data: z\n\n'))).toEqual([{ data: 'z' }])
  })

  test('multi-byte UTF-8 split across pushes comes out intact', () => {
    expectSplitInvariant('data: {"t":"你好，世界 👋🏽 Ünïcödé"}\n\n', [{ data: '{"t":"你好，世界 👋🏽 Ünïcödé"}' }])
  })

  test('a leading BOM is not part of the first field name', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode('data: x\n\n')])
    expect(decodeWhole(bytes)).toEqual([{ data: 'x' }])
  })

  test('invalid UTF-8 does not throw', () => {
    expect(decodeWhole(new Uint8Array([0x64, 0x61, 0x74, 0x61, 0x3a, 0xff, 0xfe, 0x0a, 0x0a]))).toEqual([
      { data: '\ufffd\ufffd' },
    ])
  })

  test('every split point of a mixed stream gives identical events', () => {
    const text = ': keep-alive\r\nevent: a\r\nid: 1\r\ndata: one\r\ndata: two\r\n\r\nid:2\nevent:result\n:HTTP_STATUS/200\ndata:{"x":"é"}\n\ndata: cr\r\rdata: tail'
    expectSplitInvariant(text, [
      { event: 'a', id: '1', data: 'one\ntwo' },
      { event: 'result', id: '2', data: '{"x":"é"}' },
      { data: 'cr' },
      { data: 'tail' },
    ])
  })
})
