// End to end: requests through the real gateway become exact usage rows, priced honestly, with rollups to match.
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { gzipSync } from 'node:zlib'
import OpenAI from 'openai'
import { priceUsage } from '../../src/pricing/price-usage.ts'
import { scriptedBody, sha256, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { ANTHROPIC_SSE_EVENTS, awkwardSteps, fakeAnthropic, fakeOpenAI, OPENAI_CHAT_SSE_EVENTS } from '../support/provider-fakes.ts'
import { queryRows, waitForUsageRow } from '../support/usage-rows.ts'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'

const enc = (s: string) => new TextEncoder().encode(s)
/** The stream a client without include_usage gets: no usage chunk. */
const PLAIN_EVENTS = OPENAI_CHAT_SSE_EVENTS.filter((e) => !e.includes('"choices":[]'))

let openai: FakeUpstream
let anthropic: FakeUpstream
let gw: TestGateway
let endlessCancelled = 0

beforeAll(async () => {
  openai = startFakeUpstream((request) => {
    const body = new TextDecoder().decode(request.body)
    const test = request.headers.get('x-test')
    if (test === 'unknown-model') {
      return Response.json({ id: 'x', object: 'chat.completion', model: 'my-private-model', choices: [], usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } })
    }
    if (test === 'dated-model') {
      // The response names a dated model whose price differs from the undated alias the request named.
      return Response.json({ id: 'x', object: 'chat.completion', model: 'gpt-4o-2024-05-13', choices: [], usage: { prompt_tokens: 1000, completion_tokens: 1000, total_tokens: 2000 } })
    }
    if (test === 'big-json') {
      // 3 MiB, read whole (under the 4 MiB limit) and kept whole for the meter.
      const padding = 'x'.repeat(3 * 1024 * 1024)
      return Response.json({ id: 'big', object: 'chat.completion', model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, message: { role: 'assistant', content: padding } }], usage: { prompt_tokens: 21, completion_tokens: 34, total_tokens: 55 } })
    }
    if (test === 'upstream-400') return Response.json({ error: { message: 'bad', type: 'invalid_request_error', param: null, code: null } }, { status: 400 })
    if (test === 'gzip-stream') {
      return new Response(gzipSync(enc(OPENAI_CHAT_SSE_EVENTS.join(''))), { headers: { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' } })
    }
    if (test === 'endless') {
      const steps = [{ send: PLAIN_EVENTS[0]!, wait: 20 }, { send: PLAIN_EVENTS[1]!, wait: 20 }, ...Array.from({ length: 100 }, () => ({ send: PLAIN_EVENTS[2]!.replace(',"finish_reason":"stop"', ''), wait: 50 }))]
      return new Response(scriptedBody(steps, () => endlessCancelled++), { headers: { 'content-type': 'text/event-stream' } })
    }
    if (body.includes('"stream":true')) {
      const includeUsage = body.includes('"include_usage":true')
      return new Response(scriptedBody(awkwardSteps(includeUsage ? OPENAI_CHAT_SSE_EVENTS : PLAIN_EVENTS)), { headers: { 'content-type': 'text/event-stream' } })
    }
    return fakeOpenAI(request)
  })
  anthropic = startFakeUpstream(fakeAnthropic)
  gw = await startTestGateway({ upstreams: { openai: openai.url, anthropic: anthropic.url }, env: { SOCIARO_METER_FLUSH_MS: '20' } })
})

afterAll(async () => {
  await gw.stop()
  openai.stop()
  anthropic.stop()
})

async function chat(body: Record<string, unknown>, headers: Record<string, string> = {}, key = gw.key) {
  const response = await fetch(`${gw.url}/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello in Chinese' }], ...body }),
    decompress: false,
  } as RequestInit)
  const bytes = new Uint8Array(await response.arrayBuffer())
  return { response, bytes, requestId: response.headers.get('x-sociaro-request-id')! }
}

const expectedCost = (model: string, provider: string, usage: { inputTokens: number; outputTokens: number }) =>
  priceUsage({ provider, model, usage: { cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, ...usage }, at: new Date() }).costMicros

describe('exact usage from responses', () => {
  test('a JSON chat completion is stored with its tokens and priced', async () => {
    const { requestId } = await chat({})
    const row = await waitForUsageRow(gw.dbUrl, requestId)
    expect(row).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', input_tokens: 12, output_tokens: 9, cost_status: 'priced', usage_source: 'reported', streamed: 0, ended_by: 'complete', status: 200 })
    expect(row.cost_micros).toBe(expectedCost('gpt-4o-mini-2024-07-18', 'openai', { inputTokens: 12, outputTokens: 9 }))
    expect(Number(row.cost_micros)).toBeGreaterThan(0)
    expect(JSON.parse(String(row.raw_usage)).usage.prompt_tokens).toBe(12)
  })

  test('a 3 MiB response is metered from its end, in the same batch flow as a small one', async () => {
    const [big, small] = await Promise.all([chat({}, { 'x-test': 'big-json' }), chat({})])
    expect(big.bytes.byteLength).toBeGreaterThan(3 * 1024 * 1024)
    expect(await waitForUsageRow(gw.dbUrl, big.requestId)).toMatchObject({ input_tokens: 21, output_tokens: 34, cost_status: 'priced' })
    expect(await waitForUsageRow(gw.dbUrl, small.requestId)).toMatchObject({ input_tokens: 12, output_tokens: 9, cost_status: 'priced' })
  })

  test('a stream with include_usage is metered exactly from its final chunk', async () => {
    const { requestId, bytes } = await chat({ stream: true, stream_options: { include_usage: true } })
    expect(sha256(bytes)).toBe(sha256(OPENAI_CHAT_SSE_EVENTS.join('')))
    const row = await waitForUsageRow(gw.dbUrl, requestId)
    expect(row).toMatchObject({ input_tokens: 11, output_tokens: 3, cost_status: 'priced', streamed: 1, partial: 0 })
  })

  test('a gzip stream is decompressed for the meter only', async () => {
    const { requestId, bytes, response } = await chat({ stream: true }, { 'x-test': 'gzip-stream', 'accept-encoding': 'gzip' })
    expect(response.headers.get('content-encoding')).toBe('gzip')
    expect(sha256(bytes)).toBe(sha256(gzipSync(enc(OPENAI_CHAT_SSE_EVENTS.join('')))))
    const row = await waitForUsageRow(gw.dbUrl, requestId)
    expect(row).toMatchObject({ input_tokens: 11, output_tokens: 3, cost_status: 'priced' })
  })

  test('Anthropic streaming: running totals are not summed', async () => {
    const client = new Anthropic({ apiKey: gw.key, baseURL: `${gw.url}/anthropic`, maxRetries: 0 })
    const { data: stream, response } = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }], stream: true }).withResponse()
    for await (const _event of stream) {
      // read to the end, as a client would; an unread stream ends as a client abort
    }
    const requestId = response.headers.get('x-sociaro-request-id')!
    const row = await waitForUsageRow(gw.dbUrl, requestId)
    // message_start says output 1, message_delta says 12 (a running total): 12, not 13.
    expect(row).toMatchObject({ provider: 'anthropic', input_tokens: 25, output_tokens: 12, cost_status: 'priced' })
    expect(ANTHROPIC_SSE_EVENTS.join('')).toContain('"output_tokens":12')
  })
})

describe('streams without usage', () => {
  test('default: bytes untouched, tokens estimated and marked so', async () => {
    const { requestId, bytes } = await chat({ stream: true })
    expect(sha256(bytes)).toBe(sha256(PLAIN_EVENTS.join('')))
    expect(new TextDecoder().decode(openai.requests.at(-1)!.body)).not.toContain('include_usage')
    const row = await waitForUsageRow(gw.dbUrl, requestId)
    expect(row.cost_status).toBe('estimated')
    expect(row.usage_source).toBe('estimated')
    expect(Number(row.input_tokens)).toBeGreaterThan(3)
    expect(Number(row.output_tokens)).toBeGreaterThanOrEqual(2)
    expect(Number(row.cost_micros)).toBeGreaterThan(0)
  })

  test('stream_usage "inject": the upstream is asked for usage, the client gets the stream it asked for', async () => {
    const { key } = await gw.createKey({ stream_usage: 'inject' })
    const { requestId, bytes } = await chat({ stream: true }, {}, key)
    const sent = new TextDecoder().decode(openai.requests.at(-1)!.body)
    expect(JSON.parse(sent).stream_options).toEqual({ include_usage: true })
    expect(new TextDecoder().decode(bytes)).toBe(PLAIN_EVENTS.join(''))
    const row = await waitForUsageRow(gw.dbUrl, requestId)
    expect(row).toMatchObject({ input_tokens: 11, output_tokens: 3, cost_status: 'priced', usage_source: 'reported' })
  })

  test('the official SDK reads an injected stream normally', async () => {
    const { key } = await gw.createKey({ stream_usage: 'inject' })
    const client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/openai/v1`, maxRetries: 0 })
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true })
    const chunks = []
    for await (const chunk of stream) chunks.push(chunk)
    expect(chunks.every((c) => c.choices.length > 0)).toBe(true)
    expect(chunks.map((c) => c.choices[0]!.delta.content ?? '').join('')).toBe('你好 world')
  })
})

describe('honest costs', () => {
  test('an unknown model is stored unpriced, never as $0', async () => {
    const { requestId } = await chat({ model: 'my-private-model' }, { 'x-test': 'unknown-model' })
    const row = await waitForUsageRow(gw.dbUrl, requestId)
    expect(row).toMatchObject({ input_tokens: 7, output_tokens: 3, cost_status: 'unpriced', cost_micros: null })
    expect(String(row.cost_detail)).toContain('my-private-model')
  })

  test('an upstream error is recorded with no usage and no cost', async () => {
    const { requestId, response } = await chat({}, { 'x-test': 'upstream-400' })
    expect(response.status).toBe(400)
    const row = await waitForUsageRow(gw.dbUrl, requestId)
    expect(row).toMatchObject({ status: 400, cost_status: 'no_usage', cost_micros: 0 })
  })

  test('an aborted stream is metered as partial from what arrived', async () => {
    const controller = new AbortController()
    const response = await fetch(`${gw.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json', 'x-test': 'endless' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'count forever' }], stream: true }),
      signal: controller.signal,
    })
    const requestId = response.headers.get('x-sociaro-request-id')!
    const reader = response.body!.getReader()
    for (let i = 0; i < 5; i++) await reader.read()
    controller.abort()
    const row = await waitForUsageRow(gw.dbUrl, requestId)
    expect(row).toMatchObject({ ended_by: 'client_abort', partial: 1, cost_status: 'estimated' })
    expect(Number(row.output_tokens)).toBeGreaterThan(0)
    expect(Number(row.cost_micros)).toBeGreaterThan(0)
  })

  test('the response model prices the row, and reprice with unchanged prices changes nothing', async () => {
    expect((await gw.admin('POST', '/orgs', { name: 'reprice-org' })).status).toBe(201)
    const { key } = await gw.createKey({ org: 'reprice-org' })
    const { requestId } = await chat({ model: 'gpt-4o' }, { 'x-test': 'dated-model' }, key)
    const row = await waitForUsageRow(gw.dbUrl, requestId)
    const dated = expectedCost('gpt-4o-2024-05-13', 'openai', { inputTokens: 1000, outputTokens: 1000 })
    expect(dated).not.toBe(expectedCost('gpt-4o', 'openai', { inputTokens: 1000, outputTokens: 1000 }))
    expect(row).toMatchObject({ model: 'gpt-4o', cost_micros: dated, cost_status: 'priced' })
    const range = { from: new Date(Date.now() - 60_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString(), org: 'reprice-org' }
    const repriced = (await (await gw.admin('POST', '/reprice', range)).json()) as { examined: number; changed: number }
    expect(repriced).toMatchObject({ examined: 1, changed: 0 })
    expect((await waitForUsageRow(gw.dbUrl, requestId)).cost_micros).toBe(dated)
  })

  test('a global price override wins and reprice applies a new one to stored rows', async () => {
    const { key, id: keyId } = await gw.createKey({ name: 'override-test' })
    const { requestId } = await chat({ model: 'my-private-model' }, { 'x-test': 'unknown-model' }, key)
    expect((await waitForUsageRow(gw.dbUrl, requestId)).cost_status).toBe('unpriced')

    const created = await gw.admin('POST', '/prices', { provider: 'openai', model: 'my-private-*', input_usd_per_mtok: 1, output_usd_per_mtok: 2 })
    expect(created.status).toBe(201)
    const from = new Date(Date.now() - 60_000).toISOString()
    const to = new Date(Date.now() + 60_000).toISOString()
    const repriced = (await (await gw.admin('POST', '/reprice', { from, to })).json()) as { changed: number }
    expect(repriced.changed).toBeGreaterThanOrEqual(1)
    const row = await waitForUsageRow(gw.dbUrl, requestId)
    // 7 in × $1/M + 3 out × $2/M = 7 + 6 micro-USD.
    expect(row).toMatchObject({ cost_status: 'priced', cost_micros: 13, price_source: 'override' })
    const usage = (await (await gw.admin('GET', `/usage?group_by=key&key=${keyId}`)).json()) as { totals: { cost_micros: number; unpriced_requests: number; requests: number } }
    expect(usage.totals).toMatchObject({ cost_micros: 13, unpriced_requests: 0, requests: 1 })

    // New requests are priced by the override: the admin API answered only once the worker had it.
    const next = await chat({ model: 'my-private-model' }, { 'x-test': 'unknown-model' }, key)
    expect(await waitForUsageRow(gw.dbUrl, next.requestId)).toMatchObject({ cost_status: 'priced', cost_micros: 13 })
  })
})

describe('attribution, records and analytics', () => {
  test('x-sociaro-user and x-sociaro-tags are recorded and not forwarded', async () => {
    const { requestId } = await chat({}, { 'x-sociaro-user': 'alice@example.com', 'x-sociaro-tags': 'team=search, env=prod' })
    const seen = openai.requests.at(-1)!.headers
    expect(seen.has('x-sociaro-user')).toBe(false)
    expect(seen.has('x-sociaro-tags')).toBe(false)
    const row = await waitForUsageRow(gw.dbUrl, requestId)
    expect(row.user).toBe('alice@example.com')
    expect(JSON.parse(String(row.tags))).toEqual(['team=search', 'env=prod'])
    expect(Number(row.duration_ms)).toBeGreaterThanOrEqual(0)
    expect(row.ttfb_ms).not.toBeNull()
  })

  test('rollups agree with the raw rows, and the usage API reads them', async () => {
    const rows = await queryRows(gw.dbUrl, 'SELECT COUNT(*) AS n, COALESCE(SUM(cost_micros),0) AS cost, SUM(input_tokens) AS input FROM usage_events')
    const hourly = await queryRows(gw.dbUrl, "SELECT SUM(requests) AS n, SUM(cost_micros) AS cost, SUM(input_tokens) AS input FROM usage_rollups WHERE grain = 'hour'")
    const daily = await queryRows(gw.dbUrl, "SELECT SUM(requests) AS n, SUM(cost_micros) AS cost, SUM(input_tokens) AS input FROM usage_rollups WHERE grain = 'day'")
    expect(hourly[0]).toEqual(rows[0]!)
    expect(daily[0]).toEqual(rows[0]!)

    const byModel = (await (await gw.admin('GET', '/usage?group_by=model')).json()) as { data: { group: string; requests: number }[]; totals: { requests: number; cost_micros: number } }
    expect(byModel.totals.requests).toBe(Number(rows[0]!.n))
    expect(byModel.totals.cost_micros).toBe(Number(rows[0]!.cost))
    expect(byModel.data.map((d) => d.group)).toContain('openai/gpt-4o-mini')
    const byDay = (await (await gw.admin('GET', '/usage?group_by=day')).json()) as { data: { group: string }[] }
    expect(byDay.data[0]!.group).toMatch(/T00:00:00.000Z$/)
  })

  test('the request log filters and pages', async () => {
    const first = (await (await gw.admin('GET', '/requests?provider=openai&limit=2')).json()) as { data: { request_id: string; provider: string }[]; next_cursor: string }
    expect(first.data).toHaveLength(2)
    expect(first.next_cursor).toBeTruthy()
    const second = (await (await gw.admin('GET', `/requests?provider=openai&limit=2&cursor=${first.next_cursor}`)).json()) as { data: { request_id: string }[] }
    expect(second.data.length).toBeGreaterThan(0)
    expect(second.data.map((r) => r.request_id)).not.toContain(first.data[0]!.request_id)
    const anthropicOnly = (await (await gw.admin('GET', '/requests?provider=anthropic')).json()) as { data: { provider: string }[] }
    expect(anthropicOnly.data.every((r) => r.provider === 'anthropic')).toBe(true)
  })

  test('/metrics exposes traffic, latency, tokens, cost and the meter queue', async () => {
    await (await fetch(`${gw.url}/openai/v1/models`)).arrayBuffer() // no key: a gateway-made 401
    const text = await (await fetch(`${gw.url}/metrics`)).text()
    expect(text).toMatch(/sociaro_gateway_errors_total\{code="missing_key"\} [1-9]/)
    expect(text).toMatch(/sociaro_requests_total\{provider="openai",status="200",ended_by="complete"\} \d+/)
    expect(text).toContain('sociaro_gateway_overhead_seconds_bucket')
    expect(text).toContain('sociaro_time_to_first_byte_seconds_bucket')
    expect(text).toContain('sociaro_upstream_response_seconds_bucket')
    expect(text).toMatch(/sociaro_tokens_total\{provider="openai",model="gpt-4o-mini",direction="input"\} \d+/)
    expect(text).toMatch(/sociaro_cost_micro_usd_total\{provider="openai",model="gpt-4o-mini"\} \d+/)
    expect(text).toMatch(/sociaro_meter_queue_depth \d+/)
    expect(text).toMatch(/sociaro_meter_shed_total 0/)
  })
})
