// Pure: which delivered stream tails end with their terminal event, and the meter's own check on the whole body.
import { describe, expect, test } from 'bun:test'
import type { MeterJob } from '../../src/metering/protocol/meter-job.ts'
import { buildUsageRecord, type Estimator } from '../../src/metering/worker/usage-record.ts'
import { builtInProvider } from '../../src/providers/registry.ts'
import { StreamTail, streamEndCheck, TAIL_WINDOW_BYTES } from '../../src/proxy/stream-end.ts'
import { ANTHROPIC_SSE_EVENTS, GEMINI_SSE_EVENTS, OPENAI_CHAT_SSE_EVENTS } from '../support/provider-fakes.ts'

const enc = (s: string) => new TextEncoder().encode(s)
/** The stream's bytes cut into `size`-byte chunks, as TCP may deliver them, through the tail window. */
function tailOf(text: string, size = 7): readonly Uint8Array[] {
  const tail = new StreamTail()
  const bytes = enc(text)
  for (let i = 0; i < bytes.byteLength; i += size) tail.push(bytes.subarray(i, i + size))
  return tail.chunks()
}

const chat = streamEndCheck(builtInProvider('openai')!, '/v1/chat/completions')!
const responses = streamEndCheck(builtInProvider('openai')!, '/v1/responses')!
const anthropic = streamEndCheck(builtInProvider('anthropic')!, '/v1/messages')!
const gemini = streamEndCheck(builtInProvider('gemini')!, '/v1beta/models/gemini-2.5-flash:streamGenerateContent')!

describe('terminal events', () => {
  test('OpenAI chat: [DONE] last, whatever the chunking; not before it, not inside content', () => {
    expect(chat(tailOf(OPENAI_CHAT_SSE_EVENTS.join('')))).toBe(true)
    expect(chat(tailOf(OPENAI_CHAT_SSE_EVENTS.join(''), 1))).toBe(true)
    expect(chat(tailOf(OPENAI_CHAT_SSE_EVENTS.slice(0, -1).join('')))).toBe(false)
    expect(chat(tailOf('data: {"choices":[{"delta":{"content":"data: [DONE]"}}]}\n\n'))).toBe(false)
    // Cut inside the [DONE] line itself.
    expect(chat(tailOf(OPENAI_CHAT_SSE_EVENTS.join('').slice(0, -6)))).toBe(false)
  })

  test('Anthropic: message_stop; a text delta naming it is not one', () => {
    expect(anthropic(tailOf(ANTHROPIC_SSE_EVENTS.join('')))).toBe(true)
    expect(anthropic(tailOf(ANTHROPIC_SSE_EVENTS.slice(0, -1).join('')))).toBe(false)
    expect(anthropic(tailOf('event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"\\"type\\":\\"message_stop\\""}}\n\n'))).toBe(false)
  })

  test('Responses: response.completed, even when its data line is longer than a chunk', () => {
    const completed = `event: response.completed\ndata: {"type":"response.completed","response":{"output":[{"text":"${'x'.repeat(100_000)}"}]}}\n\n`
    expect(responses(tailOf(`event: response.created\ndata: {"type":"response.created"}\n\n${completed}`, 16 * 1024))).toBe(true)
    expect(responses(tailOf('event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"hi"}\n\n'))).toBe(false)
    // A final event that started before the window: not seen here (the meter worker decides from the whole body).
    const huge = `event: response.completed\ndata: {"type":"response.completed","response":{"output":[{"text":"${'x'.repeat(2 * TAIL_WINDOW_BYTES)}"}]}}\n\n`
    expect(responses(tailOf(`event: response.created\ndata: {}\n\n${huge}`, 64 * 1024))).toBe(false)
  })

  test('Gemini: the SSE chunk with finishReason, or the JSON array closed after it', () => {
    expect(gemini(tailOf(GEMINI_SSE_EVENTS.join('')))).toBe(true)
    expect(gemini(tailOf(GEMINI_SSE_EVENTS[0]!))).toBe(false)
    const elements = GEMINI_SSE_EVENTS.map((event) => event.slice('data: '.length).trim())
    expect(gemini(tailOf(`[${elements.join(',\r\n')}]`))).toBe(true)
    expect(gemini(tailOf(`[${elements.join(',\r\n')}`))).toBe(false)
    expect(gemini(tailOf(`[${elements[0]}]`.replace(/\]$/, '')))).toBe(false)
  })

  test('BytePlus: chat ends with [DONE], Seedream streams with image_generation.completed', () => {
    const byteplus = streamEndCheck(builtInProvider('byteplus')!, '/api/v3/images/generations')!
    expect(byteplus(tailOf('event: image_generation.partial_succeeded\ndata: {"type":"image_generation.partial_succeeded"}\n\nevent: image_generation.completed\ndata: {"type":"image_generation.completed","usage":{"generated_images":1}}\n\n'))).toBe(true)
    expect(byteplus(tailOf('event: image_generation.partial_succeeded\ndata: {"type":"image_generation.partial_succeeded"}\n\n'))).toBe(false)
    expect(streamEndCheck(builtInProvider('byteplus')!, '/api/v3/chat/completions')!(tailOf(OPENAI_CHAT_SSE_EVENTS.join('')))).toBe(true)
  })

  test('families without a known terminal event get no check', () => {
    expect(streamEndCheck(builtInProvider('dashscope')!, '/api/v1/services/aigc/text-generation/generation')).toBeUndefined()
    expect(streamEndCheck(builtInProvider('mulerouter')!, '/vendors/x/v1/tasks')).toBeUndefined()
  })

  test('many tiny chunks: the window stays bounded and still sees the end', () => {
    const tail = new StreamTail()
    const event = enc('data: {"choices":[{"delta":{"content":"x"}}]}\n\n')
    for (let i = 0; i < 20_000; i++) for (let at = 0; at < event.byteLength; at += 8) tail.push(event.subarray(at, at + 8))
    tail.push(enc('data: [DONE]\n\n'))
    const kept = tail.chunks()
    expect(kept[0]!.byteLength).toBe(0) // the window no longer starts at the stream's start
    expect(kept.reduce((n, c) => n + c.byteLength, 0)).toBeLessThanOrEqual(TAIL_WINDOW_BYTES + 16)
    expect(chat(kept)).toBe(true)
  })

  test('the tail window keeps at least the last chunk, however large', () => {
    const tail = new StreamTail()
    tail.push(enc('data: {}\n\n'))
    tail.push(enc(`data: {"choices":[{"delta":{"content":"${'x'.repeat(TAIL_WINDOW_BYTES * 2)}"}}]}\n\n`))
    tail.push(enc('data: [DONE]\n\n'))
    expect(tail.chunks().reduce((n, c) => n + c.byteLength, 0)).toBeLessThanOrEqual(TAIL_WINDOW_BYTES * 2 + 128)
    expect(chat(tail.chunks())).toBe(true)
  })
})

describe('the meter worker decides from the whole recorded body', () => {
  const noEstimate: Estimator = () => ({ usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }, note: null })
  const job = (body: string, endedBy: MeterJob['endedBy']): MeterJob => ({
    requestId: 'req_1', startedAt: Date.now(), orgId: 'org', keyId: 'key', provider: 'openai', model: 'gpt-4o-mini',
    endpoint: '/v1/responses', method: 'POST', status: 200, streamed: true, contentType: 'text/event-stream', contentEncoding: '',
    truncated: false, ttfbMs: 5, durationMs: 10, endedBy, user: null, tags: null, body: enc(body), requestBody: null,
  })
  const completed = `event: response.completed\ndata: {"type":"response.completed","response":{"model":"gpt-4o-mini-2024-07-18","usage":{"input_tokens":3,"output_tokens":2,"total_tokens":5},"output":[{"text":"${'x'.repeat(TAIL_WINDOW_BYTES + 4096)}"}]}}\n\n`

  test('a client abort after the terminal event is complete, not partial', () => {
    const body = enc(completed)
    const record = buildUsageRecord(job(completed, 'client_abort'), { bytes: body, truncated: false, detail: null }, [], noEstimate)
    expect(record).toMatchObject({ endedBy: 'complete', partial: false, inputTokens: 3, outputTokens: 2 })
  })

  test('a client abort before it stays one', () => {
    const cut = completed.slice(0, 1000)
    const record = buildUsageRecord(job(cut, 'client_abort'), { bytes: enc(cut), truncated: false, detail: null }, [], noEstimate)
    expect(record).toMatchObject({ endedBy: 'client_abort', partial: true })
  })
})
