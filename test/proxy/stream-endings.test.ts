// How a stream's end is recorded: a client that stops at the terminal event has it all; shutdown cuts are `shutdown`.
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { rmSync } from 'node:fs'
import OpenAI from 'openai'
import { createLogger } from '../../src/log.ts'
import { scriptedBody, startFakeUpstream, type FakeUpstream, type ScriptStep } from '../support/fake-upstream.ts'
import { ANTHROPIC_SSE_EVENTS, GEMINI_SSE_EVENTS, OPENAI_CHAT_SSE_EVENTS } from '../support/provider-fakes.ts'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'
import { waitForUsageRow } from '../support/usage-rows.ts'

const RESPONSES_EVENTS = [
  'event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","status":"in_progress","model":"gpt-4o-mini-2024-07-18","output":[]}}\n\n',
  'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":1,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hello"}\n\n',
  `event: response.completed\ndata: {"type":"response.completed","sequence_number":2,"response":{"id":"resp_1","object":"response","status":"completed","model":"gpt-4o-mini-2024-07-18","output":[{"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hello","annotations":[]}]}],"usage":{"input_tokens":9,"output_tokens":2,"total_tokens":11}}}\n\n`,
]

/** The terminal event goes out, then the upstream holds the connection open (as proxies and slow upstreams do). */
const LINGER_MS = 4_000
const lingering = (events: string[]): ScriptStep[] => [
  ...events.slice(0, -1).map((send) => ({ send, wait: 5 })),
  { send: events.at(-1)!, wait: LINGER_MS },
]

let upstream: FakeUpstream
let gw: TestGateway
const sse = (events: string[]) => new Response(scriptedBody(lingering(events)), { headers: { 'content-type': 'text/event-stream' } })

beforeAll(async () => {
  upstream = startFakeUpstream((request) => {
    if (request.path.endsWith('/chat/completions')) return sse(OPENAI_CHAT_SSE_EVENTS)
    if (request.path.endsWith('/responses')) return sse(RESPONSES_EVENTS)
    if (request.path.endsWith('/messages')) return sse(ANTHROPIC_SSE_EVENTS)
    if (request.path.includes(':streamGenerateContent')) return sse(GEMINI_SSE_EVENTS)
    return new Response('not found', { status: 404 })
  })
  const url = upstream.url
  gw = await startTestGateway({ upstreams: { openai: url, anthropic: url, gemini: url }, env: { SOCIARO_METER_FLUSH_MS: '20' } })
})

afterAll(async () => {
  await gw.stop()
  upstream.stop()
})

async function abortCount(): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`)).text()
  return text
    .split('\n')
    .filter((line) => line.startsWith('sociaro_requests_total{') && line.includes('ended_by="client_abort"'))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0)
}

/** Runs `consume` (which must return within well under LINGER_MS) and checks the row and the abort counter. */
async function expectComplete(consume: () => Promise<string>) {
  const before = await abortCount()
  const started = Date.now()
  const requestId = await consume()
  expect(Date.now() - started).toBeLessThan(LINGER_MS - 1_000)
  const row = await waitForUsageRow(gw.dbUrl, requestId)
  expect(row).toMatchObject({ ended_by: 'complete', partial: 0, status: 200 })
  expect(await abortCount()).toBe(before)
  return row
}

describe('a client that stops reading at the terminal event has the whole exchange', () => {
  test('openai SDK chat stream: it cancels the body at [DONE]', async () => {
    const client = new OpenAI({ apiKey: gw.key, baseURL: `${gw.url}/openai/v1`, maxRetries: 0 })
    const row = await expectComplete(async () => {
      const { data: stream, response } = await client.chat.completions
        .create({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] })
        .withResponse()
      let text = ''
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
      expect(text.length).toBeGreaterThan(0)
      return response.headers.get('x-sociaro-request-id')!
    })
    expect(row.cost_status).toBe('priced')
  })

  test('openai SDK responses stream: the caller stops at response.completed', async () => {
    const client = new OpenAI({ apiKey: gw.key, baseURL: `${gw.url}/openai/v1`, maxRetries: 0 })
    await expectComplete(async () => {
      const { data: stream, response } = await client.responses.create({ model: 'gpt-4o-mini', input: 'hi', stream: true }).withResponse()
      for await (const event of stream) if (event.type === 'response.completed') break
      return response.headers.get('x-sociaro-request-id')!
    })
  })

  test('anthropic SDK stream: the caller stops at message_stop', async () => {
    const client = new Anthropic({ apiKey: gw.key, baseURL: `${gw.url}/anthropic`, maxRetries: 0 })
    await expectComplete(async () => {
      const { data: stream, response } = await client.messages
        .create({ model: 'claude-haiku-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] })
        .withResponse()
      for await (const event of stream) if (event.type === 'message_stop') break
      return response.headers.get('x-sociaro-request-id')!
    })
  })

  test('gemini SSE: the caller stops at the chunk with finishReason', async () => {
    await expectComplete(async () => {
      const response = await fetch(`${gw.url}/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
        method: 'POST',
        headers: { 'x-goog-api-key': gw.key, 'content-type': 'application/json' },
        body: JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] }),
      })
      const reader = response.body!.getReader()
      let text = ''
      while (!text.includes('"finishReason"') || !text.endsWith('\r\n\r\n')) {
        const { done, value } = await reader.read()
        if (done) break
        text += new TextDecoder().decode(value)
      }
      await reader.cancel()
      return response.headers.get('x-sociaro-request-id')!
    })
  })

  test('a client that leaves before the terminal event is still a client abort', async () => {
    const before = await abortCount()
    const response = await fetch(`${gw.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [] }),
    })
    const reader = response.body!.getReader()
    await reader.read()
    await reader.cancel()
    const row = await waitForUsageRow(gw.dbUrl, response.headers.get('x-sociaro-request-id')!)
    expect(row).toMatchObject({ ended_by: 'client_abort', partial: 1 })
    for (let i = 0; i < 50 && (await abortCount()) === before; i++) await Bun.sleep(20)
    expect(await abortCount()).toBe(before + 1)
  })
})

test('a stream still open when the shutdown grace runs out is recorded as cut by shutdown', async () => {
  const endless = startFakeUpstream(() =>
    new Response(scriptedBody(Array.from({ length: 200 }, () => ({ send: OPENAI_CHAT_SSE_EVENTS[0]!, wait: 50 }))), { headers: { 'content-type': 'text/event-stream' } }),
  )
  const lines: string[] = []
  const local = await startTestGateway({ upstreams: { openai: endless.url }, env: { SOCIARO_METER_FLUSH_MS: '20' }, log: createLogger('info', (line) => lines.push(line)) })
  try {
    const response = await fetch(`${local.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${local.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [] }),
    })
    const requestId = response.headers.get('x-sociaro-request-id')!
    const reader = response.body!.getReader()
    await reader.read()
    // The client keeps reading; the gateway stops with a short grace and cuts the stream.
    const reading = (async () => {
      try {
        while (!(await reader.read()).done);
      } catch {}
    })()
    await local.gateway.stop(200)
    await reading
    const row = await waitForUsageRow(local.dbUrl, requestId)
    expect(row).toMatchObject({ ended_by: 'shutdown', partial: 1, status: 200 })
    const mentions = lines.filter((line) => line.includes(requestId))
    expect(mentions).toHaveLength(1)
    expect(mentions[0]).toContain('INFO  stream cut by shutdown {')
  } finally {
    endless.stop()
    rmSync(local.dir, { recursive: true, force: true })
  }
})
