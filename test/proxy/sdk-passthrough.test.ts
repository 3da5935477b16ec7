// The official OpenAI and Anthropic SDKs through the gateway: the bytes they receive are the bytes the upstream sent.
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { capturingFetch } from '../support/capture-fetch.ts'
import { sha256, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import {
  ANTHROPIC_MESSAGE_JSON,
  ANTHROPIC_SSE_EVENTS,
  fakeAnthropic,
  fakeOpenAI,
  OPENAI_CHAT_JSON,
  OPENAI_CHAT_SSE_EVENTS,
  OPENAI_EMBEDDINGS_JSON,
} from '../support/provider-fakes.ts'
import { startTestGateway, UPSTREAM_SECRET, type TestGateway } from '../support/test-gateway.ts'

let openaiUpstream: FakeUpstream
let anthropicUpstream: FakeUpstream
let gw: TestGateway

beforeAll(async () => {
  openaiUpstream = startFakeUpstream(fakeOpenAI)
  anthropicUpstream = startFakeUpstream(fakeAnthropic)
  gw = await startTestGateway({ upstreams: { openai: openaiUpstream.url, anthropic: anthropicUpstream.url } })
})

afterAll(async () => {
  await gw.stop()
  openaiUpstream.stop()
  anthropicUpstream.stop()
})

function expectCredentialSwapped(upstream: FakeUpstream, header: string, prefix = '') {
  const last = upstream.requests.at(-1)!
  expect(last.headers.get(header)).toBe(`${prefix}${UPSTREAM_SECRET}`)
  for (const [, value] of last.headers) expect(value).not.toContain(gw.key)
  expect(new TextDecoder().decode(last.body)).not.toContain(gw.key)
}

describe('openai SDK', () => {
  test('chat completion: bytes identical, credential swapped', async () => {
    const { fetch, captured } = capturingFetch()
    const client = new OpenAI({ apiKey: gw.key, baseURL: `${gw.url}/openai/v1`, fetch, maxRetries: 0 })
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
    expect(completion.choices[0]!.message.content).toBe('Hello from the fake — 你好 🌍')
    expect(sha256(await captured[0]!.bytes)).toBe(sha256(OPENAI_CHAT_JSON))
    expect(captured[0]!.headers.get('x-sociaro-request-id')).toMatch(/^req_/)
    expect(captured[0]!.headers.get('x-request-id')).toBe('req_up_2')
    expectCredentialSwapped(openaiUpstream, 'authorization', 'Bearer ')
  })

  test('the request body reaches the upstream byte for byte', async () => {
    const client = new OpenAI({ apiKey: gw.key, baseURL: `${gw.url}/openai/v1`, maxRetries: 0 })
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'exact ✓ bytes' }], temperature: 0.25 })
    const sent = openaiUpstream.requests.at(-1)!.body
    expect(JSON.parse(new TextDecoder().decode(sent))).toEqual({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'exact ✓ bytes' }], temperature: 0.25 })
    const raw = '{"model":"gpt-4o-mini",  "messages":[{"role":"user","content":"spacing \\u00e9 kept"}]}'
    await fetch(`${gw.url}/openai/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' }, body: raw })
    expect(sha256(openaiUpstream.requests.at(-1)!.body)).toBe(sha256(raw))
  })

  test('streaming chat completion: bytes identical, chunks parsed by the SDK', async () => {
    const { fetch, captured } = capturingFetch()
    const client = new OpenAI({ apiKey: gw.key, baseURL: `${gw.url}/openai/v1`, fetch, maxRetries: 0 })
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? ''
    expect(text).toBe('你好 world')
    expect(sha256(await captured[0]!.bytes)).toBe(sha256(OPENAI_CHAT_SSE_EVENTS.join('')))
    expect(captured[0]!.headers.get('content-type')).toBe('text/event-stream')
    expectCredentialSwapped(openaiUpstream, 'authorization', 'Bearer ')
  })

  test('embeddings: bytes identical', async () => {
    const { fetch, captured } = capturingFetch()
    const client = new OpenAI({ apiKey: gw.key, baseURL: `${gw.url}/openai/v1`, fetch, maxRetries: 0 })
    const result = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello', encoding_format: 'float' })
    expect(result.data[0]!.embedding).toEqual([0.0123, -0.0456, 0.0789])
    expect(sha256(await captured[0]!.bytes)).toBe(sha256(OPENAI_EMBEDDINGS_JSON))
  })

  test('OpenAI-Organization and OpenAI-Project are not forwarded', async () => {
    const client = new OpenAI({ apiKey: gw.key, baseURL: `${gw.url}/openai/v1`, organization: 'org-caller', project: 'proj-caller', maxRetries: 0 })
    await client.models.list()
    const last = openaiUpstream.requests.at(-1)!
    expect(last.headers.has('openai-organization')).toBe(false)
    expect(last.headers.has('openai-project')).toBe(false)
  })
})

describe('anthropic SDK', () => {
  test('messages: bytes identical, real key sent as x-api-key', async () => {
    const { fetch, captured } = capturingFetch()
    const client = new Anthropic({ apiKey: gw.key, baseURL: `${gw.url}/anthropic`, fetch, maxRetries: 0 })
    const message = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] })
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'Bonjour — ça va?' })
    expect(sha256(await captured[0]!.bytes)).toBe(sha256(ANTHROPIC_MESSAGE_JSON))
    expectCredentialSwapped(anthropicUpstream, 'x-api-key')
    expect(anthropicUpstream.requests.at(-1)!.headers.get('anthropic-version')).toMatch(/^\d{4}-\d{2}-\d{2}$/)
  })

  test('streaming messages: bytes identical', async () => {
    const { fetch, captured } = capturingFetch()
    const client = new Anthropic({ apiKey: gw.key, baseURL: `${gw.url}/anthropic`, fetch, maxRetries: 0 })
    const stream = client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] })
    const final = await stream.finalMessage()
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'Hi 👋' })
    expect(final.usage.output_tokens).toBe(12)
    expect(sha256(await captured[0]!.bytes)).toBe(sha256(ANTHROPIC_SSE_EVENTS.join('')))
  })

  test('a key sent as Authorization: Bearer (authToken mode) works too', async () => {
    const client = new Anthropic({ authToken: gw.key, apiKey: null, baseURL: `${gw.url}/anthropic`, maxRetries: 0 })
    const message = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] })
    expect(message.id).toBe('msg_01')
    expectCredentialSwapped(anthropicUpstream, 'x-api-key')
  })
})
