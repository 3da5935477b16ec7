// Answers the gateway makes itself (refusals, 502, 504) appear in the request log with the status sent and the reason.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '../../src/log.ts'
import { MeterChannel, type PendingJob } from '../../src/metering/proxy/meter-channel.ts'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeOpenAI } from '../support/provider-fakes.ts'
import { stalledMeterWorker } from '../support/stalled-meter-worker.ts'
import { coreFor, type TestCore } from '../support/test-core.ts'
import { queryRows } from '../support/usage-rows.ts'

let openai: FakeUpstream
let slow: FakeUpstream
let gw: TestCore
let closedPortUrl: string

beforeAll(async () => {
  openai = startFakeUpstream(fakeOpenAI)
  slow = startFakeUpstream(async () => {
    await Bun.sleep(1_500)
    return Response.json({ late: true })
  })
  const closed = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') })
  closedPortUrl = `http://127.0.0.1:${closed.port}`
  closed.stop(true)
  // In process: rows are awaited in memory (and also stored, for the request log API and the absence check).
  gw = await coreFor({
    // mistral: nothing listens (502); groq: no headers within the deadline (504); anthropic: no credential (503).
    providers: { openai: openai.url, mistral: closedPortUrl, groq: slow.url, anthropic: { baseUrl: openai.url, credential: false } },
    config: { maxBodyBytes: 4096, upstreamHeadersTimeoutMs: 300 },
    storeRows: true,
  })
})

afterAll(async () => {
  await gw.stop()
  openai.stop()
  slow.stop()
})

async function call(provider: string, path: string, key: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await gw.fetch(`/${provider}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'x-api-key': key, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  await response.arrayBuffer()
  return { status: response.status, requestId: response.headers.get('x-sociaro-request-id')! }
}

const chatBody = (model = 'gpt-4o-mini') => ({ model, messages: [{ role: 'user', content: 'hi' }] })

/** The honest row of an answer that cost nothing upstream: no tokens, $0 with a status saying why. */
function expectNoCharge(row: Record<string, unknown>) {
  expect(row).toMatchObject({ input_tokens: 0, output_tokens: 0, usage_source: 'none' })
  expect(row.cost_micros).toBe(0)
}

describe('refusals for a known key are recorded (status sent, error code, no charge)', () => {
  test('403 model not allowed, with the model named', async () => {
    const restricted = await gw.createKey({ name: 'mini-only', models: ['openai/gpt-4o-mini'] })
    const { status, requestId } = await call('openai', '/v1/chat/completions', restricted.key, chatBody('gpt-4.1'))
    expect(status).toBe(403)
    const row = await gw.meter.settledRow(requestId)
    expect(row).toMatchObject({ status: 403, ended_by: 'refused', error_code: 'model_not_allowed', cost_status: 'refused', model: 'gpt-4.1', key_id: restricted.id, partial: 0, endpoint: '/v1/chat/completions', method: 'POST' })
    expectNoCharge(row)
  })

  test('413 body too large, 400 model unreadable', async () => {
    const big = await call('openai', '/v1/chat/completions', gw.key, chatBody('x'.repeat(8000)))
    expect(big.status).toBe(413)
    expect(await gw.meter.settledRow(big.requestId)).toMatchObject({ status: 413, error_code: 'body_too_large', cost_status: 'refused', model: null })
    const unreadable = await call('openai', '/v1/chat/completions', gw.key, '{not json')
    expect(unreadable.status).toBe(400)
    expect(await gw.meter.settledRow(unreadable.requestId)).toMatchObject({ status: 400, error_code: 'model_unreadable', cost_status: 'refused' })
  })

  test('429 rate limited; the budget is untouched by the refusal', async () => {
    const limited = await gw.createKey({ name: 'one-a-minute', rpm: 1, budget_usd: 5 })
    const first = await call('openai', '/v1/chat/completions', limited.key, chatBody())
    expect(first.status).toBe(200)
    const firstRow = await gw.meter.settledRow(first.requestId)
    const second = await call('openai', '/v1/chat/completions', limited.key, chatBody())
    expect(second.status).toBe(429)
    const row = await gw.meter.settledRow(second.requestId)
    expect(row).toMatchObject({ status: 429, ended_by: 'refused', error_code: 'rate_limited', cost_status: 'refused' })
    expectNoCharge(row)
    // The refusal's settlement has passed once its row is written; the spend is the first request's cost alone.
    const view = (await (await gw.admin('GET', `/keys/${limited.id}`)).json()) as { budget: { spent_usd: number } }
    expect(Number(firstRow.cost_micros)).toBeGreaterThan(0)
    expect(view.budget.spent_usd).toBe(Number(firstRow.cost_micros) / 1_000_000)
  })

  test('503 no credential configured', async () => {
    const { status, requestId } = await call('anthropic', '/v1/messages', gw.key, { model: 'claude-haiku-4-5', max_tokens: 8, messages: [] })
    expect(status).toBe(503)
    expect(await gw.meter.settledRow(requestId)).toMatchObject({ status: 503, error_code: 'no_credential', cost_status: 'refused', provider: 'anthropic' })
  })

  test('an unknown key gets no row (no one to show it to, and it would be an abuse vector)', async () => {
    const { status, requestId } = await call('openai', '/v1/chat/completions', 'gw_live_not-a-real-key-000000000000', chatBody())
    expect(status).toBe(401)
    // A later row for a known key is written after it would have been: then its absence is certain.
    const later = await call('openai', '/v1/chat/completions', gw.key, chatBody())
    await gw.meter.settledRow(later.requestId)
    expect(await queryRows(gw.dbUrl, 'SELECT * FROM usage_events WHERE request_id = ?', [requestId])).toHaveLength(0)
  })
})

describe('502 and 504 are stored with the status the client got', () => {
  test('502: the upstream cannot be reached', async () => {
    const { status, requestId } = await call('mistral', '/v1/chat/completions', gw.key, chatBody('mistral-small-latest'))
    expect(status).toBe(502)
    const row = await gw.meter.settledRow(requestId)
    expect(row).toMatchObject({ status: 502, ended_by: 'upstream_error', error_code: 'upstream_unreachable', cost_status: 'no_usage' })
    expectNoCharge(row)
  })

  test('504: no response headers within the deadline', async () => {
    const { status, requestId } = await call('groq', '/openai/v1/chat/completions', gw.key, chatBody('llama-3.1-8b-instant'))
    expect(status).toBe(504)
    expect(await gw.meter.settledRow(requestId)).toMatchObject({ status: 504, ended_by: 'timeout', error_code: 'upstream_timeout' })
  })

  test('the request log API shows them, with the reason', async () => {
    const restricted = await gw.createKey({ name: 'log-check', models: ['openai/gpt-4o-mini'] })
    const { requestId } = await call('openai', '/v1/chat/completions', restricted.key, chatBody('o3'))
    await gw.meter.settledRow(requestId)
    const page = (await (await gw.admin('GET', `/requests?key=${restricted.id}`)).json()) as { data: Record<string, unknown>[] }
    expect(page.data.find((row) => row.request_id === requestId)).toMatchObject({ status: 403, error_code: 'model_not_allowed', ended_by: 'refused', cost_status: 'refused', cost_usd: 0 })
  })
})

test('refusal rows take at most half the meter queue: a 429 flood cannot crowd out usage rows', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sociaro-refusal-bound-'))
  const channel = await MeterChannel.start({
    // The worker stalls on its first batch, so every job stays outstanding.
    init: { databaseUrl: `file:${join(dir, 'bound.db')}`, flushIntervalMs: 20, flushRows: 100, retentionDays: 0, overrides: [] },
    startWorker: stalledMeterWorker(3_000),
    log: silentLogger,
    batchJobs: 1,
    maxOutstandingJobs: 10,
  })
  try {
    const job = (requestId: string, endedBy: PendingJob['endedBy']): PendingJob => ({
      requestId, startedAt: Date.now(), orgId: 'org', keyId: 'key', provider: 'openai', model: null, endpoint: '/v1/chat/completions',
      method: 'POST', status: endedBy === 'refused' ? 429 : 200, streamed: false, contentType: '', contentEncoding: '', truncated: false, ttfbMs: null,
      durationMs: 1, endedBy, errorCode: endedBy === 'refused' ? 'rate_limited' : null, user: null, tags: null, bodyParts: [], requestBody: null,
    })
    for (let i = 0; i < 8; i++) channel.enqueue(job(`refused-${i}`, 'refused'))
    expect(channel.stats()).toMatchObject({ outstandingJobs: 5, shedJobs: 3 })
    for (let i = 0; i < 5; i++) channel.enqueue(job(`usage-${i}`, 'complete'))
    expect(channel.stats()).toMatchObject({ outstandingJobs: 10, shedJobs: 3 })
  } finally {
    await channel.drainAndStop(100)
    rmSync(dir, { recursive: true, force: true })
  }
})
