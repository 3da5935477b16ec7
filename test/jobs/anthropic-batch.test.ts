// Anthropic Message Batches as jobs: the poller follows a batch to `ended`, reads its results from the configured host, bills succeeded lines at half price.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { priceUsage } from '../../src/pricing/price-usage.ts'
import { startFakeUpstream, type FakeUpstream, type RecordedRequest } from '../support/fake-upstream.ts'
import { coreFor, type TestCore } from '../support/test-core.ts'
import { queryRows } from '../support/usage-rows.ts'

const MODEL = 'claude-sonnet-4-5'
const polls: RecordedRequest[] = []

function handler(request: RecordedRequest): Response {
  const { method, path } = request
  if (method === 'POST' && path === '/v1/messages/batches') {
    return Response.json({ id: 'msgbatch_01', type: 'message_batch', processing_status: 'in_progress', request_counts: { processing: 3, succeeded: 0, errored: 0, canceled: 0, expired: 0 }, created_at: '2026-12-02T00:00:00Z' })
  }
  if (method === 'GET' && path === '/v1/messages/batches/msgbatch_01') {
    polls.push(request)
    const ended = polls.length >= 2
    return Response.json({
      id: 'msgbatch_01',
      type: 'message_batch',
      processing_status: ended ? 'ended' : 'in_progress',
      request_counts: ended ? { processing: 0, succeeded: 2, errored: 1, canceled: 0, expired: 0 } : { processing: 3, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      // Never followed: results are read from the configured upstream.
      results_url: ended ? 'https://elsewhere.example/results' : null,
    })
  }
  if (method === 'GET' && path === '/v1/messages/batches/msgbatch_01/results') {
    polls.push(request)
    const ok = (id: string) => JSON.stringify({ custom_id: id, result: { type: 'succeeded', message: { id: `msg_${id}`, type: 'message', model: MODEL, usage: { input_tokens: 1000, output_tokens: 500 } } } })
    return new Response([ok('a'), JSON.stringify({ custom_id: 'b', result: { type: 'errored', error: { type: 'invalid_request' } } }), ok('c')].join('\n') + '\n', { headers: { 'content-type': 'application/binary' } })
  }
  return Response.json({ type: 'error', error: { type: 'not_found_error', message: `${method} ${path}` } }, { status: 404 })
}

let upstream: FakeUpstream
let gw: TestCore

beforeAll(async () => {
  upstream = startFakeUpstream(handler)
  gw = await coreFor({ providers: { anthropic: upstream.url }, storeRows: true, config: { jobs: { poller: true, pollIntervalMs: 40, pollMaxIntervalMs: 160 } } })
})
afterAll(async () => {
  await gw?.stop()
  upstream?.stop()
})

test('a message batch nobody polls is billed once from its results, succeeded lines at half price, the errored one free', async () => {
  const created = await gw.fetch('/anthropic/v1/messages/batches', {
    method: 'POST',
    headers: { 'x-api-key': gw.key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ requests: ['a', 'b', 'c'].map((id) => ({ custom_id: id, params: { model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] } })) }),
  })
  expect(created.status).toBe(200)
  const deadline = Date.now() + 15_000
  let job: Record<string, unknown> | undefined
  while (!job && Date.now() < deadline) {
    job = (await queryRows(gw.dbUrl, "SELECT * FROM jobs WHERE provider_job_id = 'msgbatch_01' AND settled_at IS NOT NULL"))[0]
    if (!job) await Bun.sleep(20)
  }
  expect(job).toBeDefined()
  const full = priceUsage({ provider: 'anthropic', model: MODEL, usage: { inputTokens: 2000, outputTokens: 1000, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }, at: new Date(), orgId: gw.orgId, overrides: [] })
  expect(full.status).toBe('priced')
  expect(job).toMatchObject({ kind: 'message_batch', model: MODEL, status: 'succeeded', raw_status: 'ended', cost_micros: Math.round(full.costMicros! * 0.5), cost_status: 'priced', key_id: gw.keyId })
  const rows = await queryRows(gw.dbUrl, 'SELECT * FROM usage_events WHERE request_id = ?', [String(job!.id)])
  expect(rows).toHaveLength(1)
  expect(rows[0]).toMatchObject({ input_tokens: 2000, output_tokens: 1000, price_source: 'batch' })
  // The poller's calls carry the credential and the version header Anthropic requires.
  for (const poll of polls) {
    expect(poll.headers.get('x-api-key')).not.toBe(gw.key)
    expect(poll.headers.get('x-api-key')).toBeTruthy()
    expect(poll.headers.get('anthropic-version')).toBe('2023-06-01')
  }
  expect(polls.at(-1)!.path).toBe('/v1/messages/batches/msgbatch_01/results')
})

test("the results only the poller read stay the owner org's: the owner fetches them, another org gets a 404 with no upstream call", async () => {
  const job = (await queryRows(gw.dbUrl, "SELECT * FROM jobs WHERE provider_job_id = 'msgbatch_01' AND settled_at IS NOT NULL"))[0]
  expect(job).toBeDefined()
  const headers = (key: string) => ({ 'x-api-key': key, 'anthropic-version': '2023-06-01' })
  const mine = await gw.fetch('/anthropic/v1/messages/batches/msgbatch_01/results', { headers: headers(gw.key) })
  expect(mine.status).toBe(200)
  expect((await mine.text()).split('\n').filter(Boolean)).toHaveLength(3)
  expect((await gw.admin('POST', '/orgs', { name: 'org-b' })).status).toBe(201)
  const other = ((await (await gw.admin('POST', '/keys', { org: 'org-b', name: 'b' })).json()) as { key: string }).key
  const sent = upstream.requests.length
  for (const path of ['/anthropic/v1/messages/batches/msgbatch_01/results', '/anthropic/v1/messages/batches/msgbatch_01']) {
    const theirs = await gw.fetch(path, { headers: headers(other) })
    expect(theirs.status).toBe(404)
    expect(((await theirs.json()) as { type: string }).type).toBe('error')
  }
  expect(upstream.requests.length).toBe(sent)
})
