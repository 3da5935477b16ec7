// The built-in mock provider through the real gateway, driven by the official OpenAI and Anthropic SDKs, JSON and SSE.
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { startMockUpstream } from '../../src/mock/mock-upstream.ts'
import { caught } from '../support/caught.ts'
import { queryRows, waitForUsageRow } from '../support/usage-rows.ts'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'

let gw: TestGateway
let openai: OpenAI
let anthropic: Anthropic

beforeAll(async () => {
  // No upstream, no credential: the mock needs neither.
  gw = await startTestGateway()
  openai = new OpenAI({ apiKey: gw.key, baseURL: `${gw.url}/mock/v1`, maxRetries: 0 })
  anthropic = new Anthropic({ apiKey: gw.key, baseURL: `${gw.url}/mock`, maxRetries: 0 })
})

afterAll(async () => {
  await gw.stop()
})

async function mockRow(requestId: string | null | undefined) {
  if (!requestId) throw new Error('the response carried no x-sociaro-request-id')
  const row = await waitForUsageRow(gw.dbUrl, requestId)
  expect(row.provider).toBe('mock')
  expect(row.cost_micros).toBe(0)
  expect(row.cost_status).toBe('mock')
  expect(row.price_source).toBe('mock')
  return row
}

const PROMPT = 'Count the tokens of this sentence, please.'

describe('OpenAI wire format', () => {
  test('chat completion (JSON): a deterministic answer, usage counted from the input, a $0 mock row', async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: 'mock-gpt', messages: [{ role: 'user', content: PROMPT }] })
      .withResponse()
    const text = data.choices[0]!.message.content!
    expect(text).toContain(PROMPT)
    expect(data.model).toBe('mock-gpt')
    expect(data.usage!.prompt_tokens).toBe(Math.ceil(PROMPT.length / 4))
    expect(data.usage!.completion_tokens).toBe(Math.ceil(text.length / 4))
    const again = await openai.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: PROMPT }] })
    expect(again.choices[0]!.message.content).toBe(text)
    const row = await mockRow(response.headers.get('x-sociaro-request-id'))
    expect(row.model).toBe('mock-gpt')
    expect(row.input_tokens).toBe(data.usage!.prompt_tokens)
    expect(row.output_tokens).toBe(data.usage!.completion_tokens)
    expect(row.usage_source).toBe('reported')
  })

  test('chat completion (SSE) with include_usage: deltas, a usage chunk, [DONE]; the row has the reported usage', async () => {
    const { data: stream, response } = await openai.chat.completions
      .create({ model: 'mock-gpt-mini', messages: [{ role: 'user', content: PROMPT }], stream: true, stream_options: { include_usage: true } })
      .withResponse()
    let text = ''
    let usage: OpenAI.CompletionUsage | undefined
    let finish: string | null = null
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      finish = chunk.choices[0]?.finish_reason ?? finish
      if (chunk.usage) usage = chunk.usage
    }
    expect(text).toContain(PROMPT)
    expect(finish).toBe('stop')
    expect(usage!.completion_tokens).toBe(Math.ceil(text.length / 4))
    const row = await mockRow(response.headers.get('x-sociaro-request-id'))
    expect(row.streamed).toBe(1)
    expect(row.output_tokens).toBe(usage!.completion_tokens)
    expect(row.partial).toBe(0)
  })

  test('chat completion (SSE) without include_usage: no usage chunk, the row is estimated and still a $0 mock row', async () => {
    const response = await fetch(`${gw.url}/mock/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-gpt', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    })
    const body = await response.text()
    expect(response.headers.get('content-type')).toContain('text/event-stream')
    expect(body).not.toContain('"usage"')
    expect(body.trimEnd().endsWith('data: [DONE]')).toBe(true)
    const row = await mockRow(response.headers.get('x-sociaro-request-id'))
    expect(row.usage_source).toBe('estimated')
    expect(Number(row.output_tokens)).toBeGreaterThan(0)
  })

  test('responses (JSON and SSE ending in response.completed with usage)', async () => {
    const { data, response } = await openai.responses.create({ model: 'mock-gpt', input: PROMPT, instructions: 'Be brief.' }).withResponse()
    expect(data.output_text).toContain(PROMPT)
    expect(data.status).toBe('completed')
    expect(data.usage!.input_tokens).toBe(Math.ceil(`Be brief.\n${PROMPT}`.length / 4))
    await mockRow(response.headers.get('x-sociaro-request-id'))

    const { data: stream, response: streamed } = await openai.responses
      .create({ model: 'mock-gpt', input: [{ role: 'user', content: [{ type: 'input_text', text: PROMPT }] }], stream: true })
      .withResponse()
    const types: string[] = []
    let deltas = ''
    let completed: OpenAI.Responses.Response | undefined
    for await (const event of stream) {
      types.push(event.type)
      if (event.type === 'response.output_text.delta') deltas += event.delta
      if (event.type === 'response.completed') completed = event.response
    }
    expect(types[0]).toBe('response.created')
    expect(types.at(-1)).toBe('response.completed')
    expect(completed!.output_text ?? deltas).toContain(PROMPT)
    expect(deltas).toBe(data.output_text)
    const row = await mockRow(streamed.headers.get('x-sociaro-request-id'))
    expect(row.output_tokens).toBe(completed!.usage!.output_tokens)
    expect(row.usage_source).toBe('reported')
  })

  test('embeddings: base64 (the SDK default) and floats, unit vectors, equal inputs embed equally', async () => {
    const { data, response } = await openai.embeddings.create({ model: 'mock-embedding', input: ['alpha', 'beta', 'alpha'], dimensions: 32 }).withResponse()
    expect(data.data).toHaveLength(3)
    const [a, b, c] = data.data.map((item) => item.embedding)
    expect(a).toHaveLength(32)
    expect(a).toEqual(c!)
    expect(a).not.toEqual(b!)
    expect(Math.hypot(...a!)).toBeCloseTo(1, 5)
    // About four bytes a token, at least one per input: 2 + 1 + 2.
    expect(data.usage.prompt_tokens).toBe(5)
    const row = await mockRow(response.headers.get('x-sociaro-request-id'))
    expect(row.input_tokens).toBe(5)

    const floats = await openai.embeddings.create({ model: 'mock-embedding', input: 'alpha', dimensions: 32, encoding_format: 'float' })
    expect(floats.data[0]!.embedding[0]).toBeCloseTo(a![0]!, 6)
  })

  test('embeddings answers stay bounded: too many inputs or values is a 400 in OpenAI shape', async () => {
    const many = await caught(openai.embeddings.create({ model: 'mock-embedding', input: Array.from({ length: 2049 }, () => 'x') }))
    expect(many).toBeInstanceOf(OpenAI.BadRequestError)
    const large = await caught(openai.embeddings.create({ model: 'mock-embedding', input: Array.from({ length: 1024 }, () => 'x'), dimensions: 4096 }))
    expect(large).toBeInstanceOf(OpenAI.BadRequestError)
    expect(large.message).toContain('inputs × dimensions')
  })

  test('models: a listing and any single model', async () => {
    const ids: string[] = []
    for await (const model of openai.models.list()) ids.push(model.id)
    expect(ids).toContain('mock-gpt')
    expect(ids).toContain('mock-claude')
    expect((await openai.models.retrieve('any-model-name')).id).toBe('any-model-name')
  })

  test("the gateway's own refusals are in OpenAI's shape (a key limited to other models)", async () => {
    const { key } = await gw.createKey({ models: ['mock-claude'] })
    const limited = new OpenAI({ apiKey: key, baseURL: `${gw.url}/mock/v1`, maxRetries: 0 })
    const error = await caught(limited.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }] }))
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError)
  })
})

describe('Anthropic wire format', () => {
  test('messages (JSON) with x-api-key, usage, a $0 mock row', async () => {
    const { data, response } = await anthropic.messages
      .create({ model: 'mock-claude', max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: PROMPT }] })
      .withResponse()
    const block = data.content[0]!
    expect(block.type).toBe('text')
    const text = block.type === 'text' ? block.text : ''
    expect(text).toContain(PROMPT)
    expect(data.stop_reason).toBe('end_turn')
    expect(data.usage.input_tokens).toBe(Math.ceil(`Be brief.\n${PROMPT}`.length / 4))
    expect(data.usage.output_tokens).toBe(Math.ceil(text.length / 4))
    const row = await mockRow(response.headers.get('x-sociaro-request-id'))
    expect(row.input_tokens).toBe(data.usage.input_tokens)
    expect(row.output_tokens).toBe(data.usage.output_tokens)
  })

  test('messages (SSE): message_start … message_stop, the SDK assembles the message and its usage', async () => {
    const stream = anthropic.messages.stream({ model: 'mock-claude', max_tokens: 100, messages: [{ role: 'user', content: [{ type: 'text', text: PROMPT }] }] })
    const events: string[] = []
    stream.on('streamEvent', (event) => events.push(event.type))
    const message = await stream.finalMessage()
    const { response } = await stream.withResponse()
    expect(events[0]).toBe('message_start')
    expect(events.at(-1)).toBe('message_stop')
    const text = message.content[0]!.type === 'text' ? message.content[0]!.text : ''
    expect(text).toContain(PROMPT)
    expect(message.usage.output_tokens).toBe(Math.ceil(text.length / 4))
    const row = await mockRow(response.headers.get('x-sociaro-request-id'))
    expect(row.streamed).toBe(1)
    expect(row.output_tokens).toBe(message.usage.output_tokens)
    expect(row.input_tokens).toBe(message.usage.input_tokens)
  })

  test('count_tokens and a Bearer key (authToken) work too', async () => {
    const bearer = new Anthropic({ authToken: gw.key, apiKey: null, baseURL: `${gw.url}/mock`, maxRetries: 0 })
    const counted = await bearer.messages.countTokens({ model: 'mock-claude', messages: [{ role: 'user', content: PROMPT }] })
    expect(counted.input_tokens).toBe(Math.ceil(PROMPT.length / 4))
  })

  test("the gateway's own refusals are in Anthropic's shape on /v1/messages", async () => {
    const wrong = new Anthropic({ apiKey: 'gw_live_not-a-key', baseURL: `${gw.url}/mock`, maxRetries: 0 })
    const error = await caught(wrong.messages.create({ model: 'mock-claude', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }))
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError)
    expect(error.error?.error?.type).toBe('authentication_error')
  })
})

describe('limits and metering path', () => {
  test('a budget of one cent is never reserved against by mock requests (priced $0, not at the conservative default)', async () => {
    const { key, id } = await gw.createKey({ budget_usd: 0.01, budget_period: 'total' })
    const client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/mock/v1`, maxRetries: 0 })
    // Without max_tokens an unpriced model would reserve its provider's dearest rate times the largest output: far above 1 cent.
    for (let i = 0; i < 3; i++) {
      const reply = await client.chat.completions.create({ model: `mock-unlisted-${i}`, messages: [{ role: 'user', content: 'x'.repeat(4000) }] })
      expect(reply.choices[0]!.message.content).toContain('xxxx')
    }
    const stream = await client.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }], stream: true })
    for await (const _chunk of stream) {
      // drain
    }
    const deadline = Date.now() + 8000
    let rows = await queryRows(gw.dbUrl, 'SELECT cost_micros, cost_status FROM usage_events WHERE key_id = ?', [id])
    while (rows.length < 4 && Date.now() < deadline) {
      await Bun.sleep(50)
      rows = await queryRows(gw.dbUrl, 'SELECT cost_micros, cost_status FROM usage_events WHERE key_id = ?', [id])
    }
    expect(rows).toHaveLength(4)
    for (const row of rows) expect(row).toEqual({ cost_micros: 0, cost_status: 'mock' })
  })

  test('rate limits apply to the mock like to any provider', async () => {
    const { key } = await gw.createKey({ rpm: 1 })
    const client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/mock/v1`, maxRetries: 0 })
    await client.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'one' }] })
    const error = await caught(client.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'two' }] }))
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
  })

  test('the admin API lists the mock with a built-in credential and a loopback base URL', async () => {
    const { data } = (await (await gw.admin('GET', '/providers')).json()) as { data: { id: string; credential: string; base_url: string }[] }
    const mock = data.find((p) => p.id === 'mock')!
    expect(mock.credential).toBe('built-in')
    expect(mock.base_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(data.find((p) => p.id === 'openai')!.credential).toBe('missing')
  })
})

describe('the loopback upstream alone', () => {
  test('listens on 127.0.0.1 and answers only the credential the gateway was given', async () => {
    const upstream = startMockUpstream({ maxBodyBytes: 1024 * 1024 })
    try {
      expect(upstream.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const body = JSON.stringify({ model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }] })
      const post = (headers: Record<string, string>) =>
        fetch(`${upstream.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })
      expect((await post({})).status).toBe(401)
      expect((await post({ authorization: 'Bearer mock_wrong' })).status).toBe(401)
      const wrongAnthropic = await fetch(`${upstream.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'nope' }, body })
      expect(((await wrongAnthropic.json()) as { error: { type: string } }).error.type).toBe('authentication_error')
      expect((await post({ authorization: `Bearer ${upstream.credential}` })).status).toBe(200)
      const unknown = await fetch(`${upstream.url}/v1/images/generations`, { method: 'POST', headers: { authorization: `Bearer ${upstream.credential}` }, body })
      expect(unknown.status).toBe(404)
      const noModel = await fetch(`${upstream.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${upstream.credential}` }, body: '{}' })
      expect(noModel.status).toBe(400)
    } finally {
      await upstream.stop()
    }
  })
})

describe('SOCIARO_MOCK_PROVIDER=false', () => {
  test('removes the mock provider: 404 unknown provider, and it is not listed', async () => {
    const off = await startTestGateway({ env: { SOCIARO_MOCK_PROVIDER: 'false' } })
    try {
      const client = new OpenAI({ apiKey: off.key, baseURL: `${off.url}/mock/v1`, maxRetries: 0 })
      const error = await caught(client.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }] }))
      expect(error).toBeInstanceOf(OpenAI.NotFoundError)
      expect(error.message).toContain('Unknown provider "mock"')
      const { data } = (await (await off.admin('GET', '/providers')).json()) as { data: { id: string }[] }
      expect(data.map((p) => p.id)).not.toContain('mock')
    } finally {
      await off.stop()
    }
  })
})
