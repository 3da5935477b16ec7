// Budgets and batches: a batch submit that carries its requests reserves the sum of their bounds at the batch price, is refused when that does not fit, and is settled by the job's row.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import OpenAI, { toFile } from 'openai'
import { createGatewayCore } from '../../src/gateway-core.ts'
import { silentLogger } from '../../src/log.ts'
import { memoryMeter } from '../support/memory-meter.ts'
import { priceUsage } from '../../src/pricing/price-usage.ts'
import { batchReservationMicros } from '../../src/limits/batch-reservation.ts'
import { reservationCost } from '../../src/limits/reservation-cost.ts'
import { modelOutputLimitTokens } from '../../src/pricing/output-limit.ts'
import geminiSpec from '../../src/providers/gemini.ts'
import { geminiBatchJobs } from '../../src/providers/dialects/gemini/batches.ts'
import { geminiDialect } from '../../src/providers/dialects/gemini/index.ts'
import { startFakeUpstream, type FakeUpstream, type RecordedRequest } from '../support/fake-upstream.ts'
import { ADMIN_TOKEN } from '../support/test-gateway.ts'
import { coreFor, GATEWAY_ORIGIN, type TestCore } from '../support/test-core.ts'
import { queryRows } from '../support/usage-rows.ts'
import { waitFor } from '../support/wait-for.ts'

const MODEL = 'claude-sonnet-4-5'
let polls = 0

function handler(request: RecordedRequest): Response {
  const { method, path } = request
  if (method === 'POST' && path === '/v1/messages/batches') {
    return Response.json({ id: 'msgbatch_budget', type: 'message_batch', processing_status: 'in_progress', request_counts: { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 } })
  }
  if (method === 'GET' && path === '/v1/messages/batches/msgbatch_budget') {
    polls++
    const ended = polls >= 2
    return Response.json({ id: 'msgbatch_budget', type: 'message_batch', processing_status: ended ? 'ended' : 'in_progress', request_counts: ended ? { processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 } : { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 } })
  }
  if (method === 'GET' && path === '/v1/messages/batches/msgbatch_budget/results') {
    const ok = (id: string) => JSON.stringify({ custom_id: id, result: { type: 'succeeded', message: { id: `msg_${id}`, type: 'message', model: MODEL, usage: { input_tokens: 10, output_tokens: 50 } } } })
    return new Response(`${ok('a')}\n${ok('b')}\n`, { headers: { 'content-type': 'application/binary' } })
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

async function budgetOf(keyId: string): Promise<{ spent_usd: number; reserved_usd: number }> {
  const response = await gw.fetch(`/admin/v1/keys/${keyId}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  return ((await response.json()) as { budget: { spent_usd: number; reserved_usd: number } }).budget
}

const params = (maxTokens?: number) => ({ model: MODEL, ...(maxTokens ? { max_tokens: maxTokens } : {}), messages: [{ role: 'user', content: 'hello there' }] })
const createBatch = (key: string, requests: unknown[]) =>
  gw.fetch('/anthropic/v1/messages/batches', {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ requests }),
  })

describe('Anthropic message batches', () => {
  test('a batch whose bound exceeds the remaining budget is refused, with no upstream call', async () => {
    // No max_tokens: each request is bounded by the model's published output limit (64k tokens at $15/M, halved).
    const { key } = await gw.createKey({ budget_usd: 0.5, budget_period: 'total' })
    const before = upstream.requests.length
    const refused = await createBatch(key, ['a', 'b'].map((id) => ({ custom_id: id, params: params() })))
    expect(refused.status).toBe(429)
    const body = (await refused.json()) as { type: string; error: { type: string; message: string } }
    expect(body.type).toBe('error')
    expect(body.error.message).toContain('exhausted')
    expect(upstream.requests.length).toBe(before)
  })

  test('a batch that fits reserves the sum of its requests at half price, and the job row settles it', async () => {
    const { key, id: keyId } = await gw.createKey({ budget_usd: 1, budget_period: 'total' })
    const requests = ['a', 'b'].map((id) => ({ custom_id: id, params: params(100) }))
    const inputTokens = requests.reduce((sum, r) => sum + Math.ceil(JSON.stringify(r.params).length / 4), 0)
    const full = reservationCost({ provider: 'anthropic', model: MODEL, inputTokens, maxOutputTokens: 200, at: new Date(), orgId: gw.orgId, overrides: [] })
    expect(full.basis).toBe('model')
    const bound = Math.ceil(full.costMicros * 0.5)
    const created = await createBatch(key, requests)
    expect(created.status).toBe(200)
    const job = await waitFor('job row', async () => (await queryRows(gw.dbUrl, "SELECT * FROM jobs WHERE provider_job_id = 'msgbatch_budget'"))[0])
    expect(job.reserved_micros).toBe(bound)
    const settled = await waitFor('settled job', async () => (await queryRows(gw.dbUrl, "SELECT * FROM jobs WHERE provider_job_id = 'msgbatch_budget' AND settled_at IS NOT NULL"))[0])
    const actual = priceUsage({ provider: 'anthropic', model: MODEL, usage: { inputTokens: 20, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }, at: new Date(), orgId: gw.orgId, overrides: [] })
    expect(settled.cost_micros).toBe(Math.round(actual.costMicros! * 0.5))
    await waitFor('budget settled', async () => ((await budgetOf(keyId)).reserved_usd === 0 ? true : undefined))
    expect((await budgetOf(keyId)).spent_usd).toBeCloseTo(Number(settled.cost_micros) / 1e6, 6)
  })

  test('a batch longer than the gateway reads is refused for a budgeted key (fail closed)', async () => {
    const { key } = await gw.createKey({ budget_usd: 1000, budget_period: 'total' })
    const before = upstream.requests.length
    const refused = await createBatch(key, Array.from({ length: 100_001 }, () => ({ custom_id: 'x', params: { model: MODEL } })))
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('at most 100000')
    expect(upstream.requests.length).toBe(before)
  })
})

test('a Gemini inline batch is bounded per request (maxOutputTokens, else the model limit) at half price; a file batch carries none', () => {
  const at = new Date()
  const inline = (generationConfig?: Record<string, unknown>) => ({ request: { contents: [{ parts: [{ text: 'hi' }] }], ...(generationConfig ? { generationConfig } : {}) }, metadata: { key: 'k' } })
  const json = { batch: { inputConfig: { requests: { requests: [inline({ maxOutputTokens: 50 }), inline()] } } } }
  const batch = geminiBatchJobs.batchRequests!({ method: 'POST', path: '/v1beta/models/gemini-2.5-flash:batchGenerateContent', headers: new Headers(), json })
  expect(batch?.items).toHaveLength(2)
  const bound = batchReservationMicros({ provider: 'gemini', pricing: geminiSpec, dialect: geminiDialect, batch: batch!, priceFactor: 0.5, at, orgId: 'org', overrides: [] })
  const input = json.batch.inputConfig.requests.requests.reduce((sum, r) => sum + Math.ceil(JSON.stringify(r.request).length / 4), 0)
  const limit = modelOutputLimitTokens('gemini', 'gemini-2.5-flash', at, geminiSpec)
  expect(limit).toBeGreaterThan(50)
  const full = reservationCost({ provider: 'gemini', pricing: geminiSpec, model: 'gemini-2.5-flash', inputTokens: input, maxOutputTokens: 50 + limit, at, orgId: 'org', overrides: [] })
  expect(bound).toEqual({ ok: true, costMicros: Math.ceil(full.costMicros * 0.5) })
  const fromFile = { batch: { inputConfig: { fileName: 'files/abc' } } }
  expect(geminiBatchJobs.batchRequests!({ method: 'POST', path: '/v1beta/models/gemini-2.5-flash:batchGenerateContent', headers: new Headers(), json: fromFile })).toBeUndefined()
})

describe('OpenAI batches from input files checked at upload', () => {
  let counter = 0
  const openaiHandler = (request: RecordedRequest): Response => {
    const n = ++counter
    if (request.method === 'POST' && request.path === '/v1/files') return Response.json({ id: `file-in-${n}`, object: 'file', bytes: request.body.byteLength, created_at: n, filename: 'in.jsonl', purpose: 'batch' })
    if (request.method === 'POST' && request.path === '/v1/batches') {
      const body = JSON.parse(new TextDecoder().decode(request.body)) as Record<string, unknown>
      return Response.json({ id: `batch_${n}`, object: 'batch', endpoint: body.endpoint, input_file_id: body.input_file_id, completion_window: '24h', status: 'validating', created_at: n })
    }
    return Response.json({ error: { message: `no route ${request.method} ${request.path}` } }, { status: 404 })
  }
  let openaiUp: FakeUpstream
  let core: TestCore
  beforeAll(async () => {
    openaiUp = startFakeUpstream(openaiHandler)
    core = await coreFor({ providers: { openai: openaiUp.url }, storeRows: true, config: { jobs: { poller: false, pollIntervalMs: 30_000, pollMaxIntervalMs: 600_000 } } })
  })
  afterAll(async () => {
    await core?.stop()
    openaiUp?.stop()
  })

  const line = (i: number, model: string) => JSON.stringify({ custom_id: `r${i}`, method: 'POST', url: '/v1/chat/completions', body: { model, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] } })
  const client = (key: string) => new OpenAI({ apiKey: key, baseURL: `${GATEWAY_ORIGIN}/openai/v1`, fetch: core.fetch, maxRetries: 0 })
  const upload = async (key: string, lines: string[]) => (await client(key).files.create({ file: await toFile(Buffer.from(lines.join('\n') + '\n'), 'in.jsonl'), purpose: 'batch' })).id
  const create = (key: string, fileId: string) => client(key).batches.create({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h' })
  const caught = async (promise: Promise<unknown>) => {
    try {
      await promise
    } catch (error) {
      return error as Error
    }
    throw new Error('expected a refusal')
  }

  test('a limited key creates a batch from its own checked file, reserving the recorded bound at half price', async () => {
    const { key } = await core.createKey({ models: ['openai/gpt-4o-mini', 'openai/gpt-4o'], budget_usd: 1, budget_period: 'total' })
    const lines = [line(1, 'gpt-4o-mini'), line(2, 'gpt-4o-mini')]
    const fileId = await upload(key, lines)
    const batch = await create(key, fileId)
    expect(batch.input_file_id).toBe(fileId)
    const inputTokens = lines.reduce((sum, l) => sum + Math.ceil(Buffer.byteLength(l) / 4), 0)
    const full = reservationCost({ provider: 'openai', model: 'gpt-4o-mini', inputTokens, maxOutputTokens: 200, at: new Date(), orgId: core.orgId, overrides: [] })
    expect(full.basis).toBe('model')
    const job = await waitFor('job row', async () => (await queryRows(core.dbUrl, 'SELECT * FROM jobs WHERE provider_job_id = ?', [batch.id]))[0])
    expect(job.reserved_micros).toBe(Math.ceil(full.costMicros * 0.5))
  })

  test('refused for a file naming a model the key may not use, and for a file whose lines were never read', async () => {
    const wide = await core.createKey({ models: ['openai/gpt-4o-mini', 'openai/gpt-4o'] })
    const narrow = await core.createKey({ models: ['openai/gpt-4o-mini'] })
    const withGpt4o = await upload(wide.key, [line(1, 'gpt-4o-mini'), line(2, 'gpt-4o')])
    // Uploaded by a key allowed every model: its lines were not read, so nothing stands for them.
    const unread = await upload(core.key, [line(1, 'gpt-4o-mini')])
    const before = openaiUp.requests.length
    const disallowed = await caught(create(narrow.key, withGpt4o))
    expect(disallowed).toBeInstanceOf(OpenAI.PermissionDeniedError)
    expect(disallowed.message).toContain('gpt-4o')
    const unrecorded = await caught(create(wide.key, unread))
    expect(unrecorded).toBeInstanceOf(OpenAI.PermissionDeniedError)
    expect(unrecorded.message).toContain('input file')
    expect(openaiUp.requests.length).toBe(before)
    // The wide key's own checked file passes.
    expect((await create(wide.key, withGpt4o)).input_file_id).toBe(withGpt4o)
  })

  test('what was recorded at upload survives a restart', async () => {
    const { key } = await core.createKey({ models: ['openai/gpt-4o-mini'] })
    const fileId = await upload(key, [line(1, 'gpt-4o-mini')])
    await core.core.stop(2_000)
    const second = await createGatewayCore({ ...core.config, jobs: { poller: false, pollIntervalMs: 30_000, pollMaxIntervalMs: 600_000 } }, { log: silentLogger, meter: memoryMeter({ store: true }).start, accessLogSink: { write: () => true, onDrain: () => {} } })
    try {
      const again = new OpenAI({ apiKey: key, baseURL: `${GATEWAY_ORIGIN}/openai/v1`, fetch: (input, init) => second.handle(new Request(input as string, init)), maxRetries: 0 })
      const batch = await again.batches.create({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h' })
      expect(batch.input_file_id).toBe(fileId)
    } finally {
      await second.stop(2_000)
    }
  })
})
