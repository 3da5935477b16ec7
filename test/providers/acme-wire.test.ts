// A provider with a wire format of its own, registered from outside src/: proxied byte for byte, metered and priced by its own module on the worker.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { priceUsage } from '../../src/pricing/price-usage.ts'
import acme from '../support/acme-wire/index.ts'
import { sha256, startFakeUpstream, type FakeUpstream, type RecordedRequest } from '../support/fake-upstream.ts'
import { startTestGateway, UPSTREAM_SECRET, type TestGateway } from '../support/test-gateway.ts'
import { waitForUsageRow } from '../support/usage-rows.ts'

const MODEL = 'claude-sonnet-4-5'
const JSON_ANSWER = JSON.stringify({ engine: MODEL, output: 'Three colours.', meter: { in: 1200, out: 345 } })
const STREAM_LINES = [
  JSON.stringify({ engine: MODEL, piece: 'Red, ' }),
  JSON.stringify({ piece: 'green, blue.' }),
  JSON.stringify({ done: true, meter: { in: 40, out: 7 } }),
].map((line) => `${line}\n`)

let upstream: FakeUpstream
let gw: TestGateway
const seen: RecordedRequest[] = []

beforeAll(async () => {
  upstream = startFakeUpstream((request) => {
    seen.push(request)
    if (request.path === '/v2/generate') return new Response(JSON_ANSWER, { headers: { 'content-type': 'application/json' } })
    if (request.path === '/v2/generate:stream') return new Response(STREAM_LINES.join(''), { headers: { 'content-type': 'application/x-ndjson' } })
    if (request.path === '/v2/count') return Response.json({ engine: MODEL, tokens: 5 })
    return new Response('no', { status: 404 })
  })
  gw = await startTestGateway({ upstreams: { acme: upstream.url }, providers: [acme] })
})

afterAll(async () => {
  await gw.stop()
  upstream.stop()
})

async function post(path: string, body: string, key = gw.key) {
  const response = await fetch(`${gw.url}/acme${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body })
  return { response, bytes: new Uint8Array(await response.arrayBuffer()), requestId: response.headers.get('x-sociaro-request-id')! }
}

const costOf = (inputTokens: number, outputTokens: number) =>
  priceUsage({ provider: 'anthropic', model: MODEL, usage: { inputTokens, outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }, at: new Date() }).costMicros

describe('a test-only provider with its own wire format', () => {
  test('a JSON answer passes byte for byte, and its row has the tokens of `meter` at the pricing id\'s prices', async () => {
    const body = JSON.stringify({ model: MODEL, text: 'Name three colours.', limit: 64 })
    const { response, bytes, requestId } = await post('/v2/generate', body)
    expect(response.status).toBe(200)
    expect(sha256(bytes)).toBe(sha256(JSON_ANSWER))
    const sent = seen.at(-1)!
    expect(sha256(sent.body)).toBe(sha256(body))
    expect(sent.headers.get('x-acme-key')).toBe(UPSTREAM_SECRET)
    expect(sent.headers.get('authorization')).toBeNull()
    const row = await waitForUsageRow(gw.dbUrl, requestId)
    expect(row).toMatchObject({ provider: 'acme', model: MODEL, input_tokens: 1200, output_tokens: 345, usage_source: 'reported', cost_status: 'priced', streamed: 0, ended_by: 'complete' })
    expect(Number(row.cost_micros)).toBeGreaterThan(0)
    expect(row.cost_micros).toBe(costOf(1200, 345))
    expect(JSON.parse(String(row.raw_usage)).usage).toEqual({ in: 1200, out: 345 })
  })

  test('an NDJSON stream (its own framing) is a stream by its path, complete by its `done` line, metered from it', async () => {
    const body = JSON.stringify({ model: MODEL, text: 'Name three colours.' })
    const { response, bytes, requestId } = await post('/v2/generate:stream', body)
    expect(response.status).toBe(200)
    expect(sha256(bytes)).toBe(sha256(STREAM_LINES.join('')))
    const row = await waitForUsageRow(gw.dbUrl, requestId)
    expect(row).toMatchObject({ provider: 'acme', model: MODEL, input_tokens: 40, output_tokens: 7, streamed: 1, partial: 0, ended_by: 'complete', cost_status: 'priced' })
    expect(row.cost_micros).toBe(costOf(40, 7))
  })

  test('the gateway answers in the provider\'s own error format', async () => {
    const { response, bytes } = await post('/v2/generate', JSON.stringify({ model: MODEL, text: 'x' }), 'gw_live_not-a-real-key')
    expect(response.status).toBe(401)
    const fault = JSON.parse(new TextDecoder().decode(bytes)) as { fault: { kind: string; detail: string; ref: string } }
    expect(fault.fault.kind).toBe('NOT_ALLOWED')
    expect(fault.fault.ref).toBe(response.headers.get('x-sociaro-request-id')!)
  })

  test('its own free endpoint is a real $0 (a billable answer without a meter would be unpriced)', async () => {
    const { response, requestId } = await post('/v2/count', JSON.stringify({ model: MODEL, text: 'How many?' }))
    expect(response.status).toBe(200)
    const row = await waitForUsageRow(gw.dbUrl, requestId)
    expect(row).toMatchObject({ provider: 'acme', model: MODEL, cost_micros: 0, cost_status: 'no_usage' })
  })

  test('the stream-end rule is the provider\'s: a `done` line ends the stream, a piece does not', () => {
    const check = acme.dialect.streamEnd!
    const enc = (s: string) => new TextEncoder().encode(s)
    expect(check([enc(STREAM_LINES.join(''))])).toBe(true)
    expect(check([enc(STREAM_LINES.slice(0, 2).join(''))])).toBe(false)
  })
})
