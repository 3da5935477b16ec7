// The in-process core: a fetch handler over the whole pipeline, an in-memory meter running the worker's job code, an orderly stop.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { scriptedBody, sha256, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeOpenAI, OPENAI_CHAT_JSON, OPENAI_CHAT_SSE_EVENTS } from '../support/provider-fakes.ts'
import { coreFor, GATEWAY_ORIGIN, type TestCore } from '../support/test-core.ts'
import { startTestGateway, UPSTREAM_SECRET } from '../support/test-gateway.ts'
import { waitForUsageRow } from '../support/usage-rows.ts'

let upstream: FakeUpstream
let slowStreams = 0

beforeAll(() => {
  upstream = startFakeUpstream((request) => {
    if (request.headers.get('x-test') === 'slow-stream') {
      slowStreams++
      const steps = Array.from({ length: 200 }, (_, i) => ({ send: `data: {"choices":[{"index":0,"delta":{"content":"w${i} "}}]}\n\n`, wait: 50 }))
      return new Response(scriptedBody(steps), { headers: { 'content-type': 'text/event-stream' } })
    }
    if (request.headers.get('x-test') === 'no-usage-stream') {
      return new Response(OPENAI_CHAT_SSE_EVENTS.filter((event) => !event.includes('"usage":{')).join(''), { headers: { 'content-type': 'text/event-stream' } })
    }
    return fakeOpenAI(request)
  })
})
afterAll(() => upstream.stop())

const chat = (t: TestCore, body: Record<string, unknown> = {}, headers: Record<string, string> = {}, key = t.key) =>
  t.fetch('/openai/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...body }),
  })

describe('a core answers like the gateway, without a socket', () => {
  let t: TestCore
  beforeAll(async () => {
    t = await coreFor({ providers: { openai: upstream.url }, keys: [{ name: 'first' }, { name: 'budgeted', budget_usd: 1, budget_period: 'month' }] })
  })
  afterAll(() => t.stop())

  test('nothing listens: the app has no server, and health and admin answer through handle', async () => {
    expect(t.core.app.server).toBeNull()
    const ready = await t.core.handle(new Request(`${GATEWAY_ORIGIN}/readyz`))
    expect(ready.status).toBe(200)
    const unauthorized = await t.core.handle(new Request(`${GATEWAY_ORIGIN}/admin/v1/orgs`))
    expect(unauthorized.status).toBe(401)
    const orgs = (await (await t.admin('GET', '/orgs')).json()) as { data: { name: string }[] }
    expect(orgs.data.map((org) => org.name)).toContain('test-org')
  })

  test('a proxied JSON call: the exact upstream bytes, the real credential upstream, and its row once settled', async () => {
    const before = upstream.requests.length
    const response = await chat(t)
    expect(response.status).toBe(200)
    expect(sha256(await response.arrayBuffer())).toBe(sha256(OPENAI_CHAT_JSON))
    const arrived = upstream.requests.slice(before)
    expect(arrived).toHaveLength(1)
    expect(arrived[0]!.headers.get('authorization')).toBe(`Bearer ${UPSTREAM_SECRET}`)
    const row = await t.meter.settled(response.headers.get('x-sociaro-request-id')!)
    expect(row).toMatchObject({ keyId: t.keyId, orgId: t.orgId, provider: 'openai', status: 200, endedBy: 'complete', inputTokens: 12, outputTokens: 9, costStatus: 'priced', usageSource: 'reported' })
    expect(row.costMicros).toBeGreaterThan(0)
  })

  test('a stream passes through unchanged and is metered from its bytes', async () => {
    const response = await chat(t, { stream: true, stream_options: { include_usage: true } })
    expect(response.headers.get('content-type')).toBe('text/event-stream')
    expect(sha256(await response.arrayBuffer())).toBe(sha256(OPENAI_CHAT_SSE_EVENTS.join('')))
    const row = await t.meter.settled(response.headers.get('x-sociaro-request-id')!)
    expect(row).toMatchObject({ streamed: true, inputTokens: 11, outputTokens: 3, usageSource: 'reported', endedBy: 'complete' })
  })

  test('a settled row has reached the budget: spent is its cost, nothing reserved, with no waiting', async () => {
    const budgeted = t.keys[1]!
    const response = await chat(t, {}, {}, budgeted.key)
    await response.arrayBuffer()
    const row = await t.meter.settled(response.headers.get('x-sociaro-request-id')!)
    const view = (await (await t.admin('GET', `/keys/${budgeted.id}`)).json()) as { budget: { spent_usd: number; reserved_usd: number } }
    expect(view.budget.reserved_usd).toBe(0)
    expect(view.budget.spent_usd).toBe(row.costMicros! / 1_000_000)
  })

  test('settled(id) is bounded: a request that never happened rejects after its timeout', async () => {
    await expect(t.meter.settled('req_never', 100)).rejects.toThrow('no usage row for req_never after 100 ms')
  })

  test('settledRow is the row as usage_events holds it', async () => {
    const response = await chat(t)
    await response.arrayBuffer()
    const row = await t.meter.settledRow(response.headers.get('x-sociaro-request-id')!)
    expect(row).toMatchObject({ key_id: t.keyId, input_tokens: 12, output_tokens: 9, cost_status: 'priced', streamed: 0, partial: 0, ended_by: 'complete' })
  })
})

test('the memory meter builds the row the metering worker stores, column for column', async () => {
  const core = await coreFor({ providers: { openai: upstream.url } })
  const gw = await startTestGateway({ upstreams: { openai: upstream.url }, env: { SOCIARO_METER_FLUSH_MS: '10' } })
  try {
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'count my tokens, please' }], stream: true })
    const init = (key: string): RequestInit => ({ method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-sociaro-tags': 'team=a', 'x-test': 'no-usage-stream' }, body })
    // A stream without include_usage: its tokens are estimated by the tokenizer, the heaviest path of the worker.
    const inCore = await core.fetch('/openai/v1/chat/completions', init(core.key))
    await inCore.arrayBuffer()
    const overHttp = await fetch(`${gw.url}/openai/v1/chat/completions`, init(gw.key))
    await overHttp.arrayBuffer()
    const fromMemory = await core.meter.settledRow(inCore.headers.get('x-sociaro-request-id')!)
    const fromWorker = await waitForUsageRow(gw.dbUrl, overHttp.headers.get('x-sociaro-request-id')!)
    const varying = new Set(['request_id', 'started_at', 'org_id', 'key_id', 'ttfb_ms', 'duration_ms'])
    const comparable = (row: Record<string, unknown>) => Object.fromEntries(Object.entries(row).filter(([name]) => !varying.has(name)))
    expect(fromMemory.usage_source).toBe('estimated')
    expect(comparable(fromMemory)).toEqual(comparable(fromWorker))
  } finally {
    await gw.stop()
    await core.stop()
  }
}, 30_000)

test('stop lets an exchange run for the grace period, then cuts it as shutdown; its row is still settled', async () => {
  const t = await coreFor({ providers: { openai: upstream.url } })
  const response = await chat(t, { stream: true }, { 'x-test': 'slow-stream' })
  expect(response.status).toBe(200)
  const requestId = response.headers.get('x-sociaro-request-id')!
  const reading = response.arrayBuffer().catch(() => undefined)
  const stopping = t.stop()
  // One stop at a time: a second call is the same shutdown.
  expect(t.core.stop()).toBe(t.core.stop())
  await stopping
  await reading
  const row = await t.meter.settled(requestId, 100)
  expect(row).toMatchObject({ endedBy: 'shutdown', partial: true })
}, 30_000)
