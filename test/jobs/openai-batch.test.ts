// OpenAI Batch API jobs: followed by the poller, billed once from the output file's lines at half price; failed lines and failed batches are free.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import OpenAI, { toFile } from 'openai'
import { priceUsage } from '../../src/pricing/price-usage.ts'
import { startFakeUpstream, type FakeUpstream, type RecordedRequest } from '../support/fake-upstream.ts'
import { coreFor, GATEWAY_ORIGIN, type TestCore } from '../support/test-core.ts'
import { queryRows } from '../support/usage-rows.ts'
import { waitFor } from '../support/wait-for.ts'

/** A fake OpenAI account: batches go validating → in_progress → their end, one step per poll. */
function fakeBatches(ends: Map<string, 'completed' | 'failed'>) {
  const batches = new Map<string, Record<string, unknown> & { polls: number; end: 'completed' | 'failed' }>()
  let counter = 0
  const outputs = new Map<string, string>()
  const line = (id: string, status: number, model: string, prompt: number, completion: number) =>
    JSON.stringify({
      id: `batch_req_${id}`,
      custom_id: id,
      response: { status_code: status, request_id: `r${id}`, body: status === 200 ? { id: `chatcmpl-${id}`, object: 'chat.completion', model, usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } } : { error: { message: 'boom' } } },
      error: null,
    })
  let nextEnd: 'completed' | 'failed' = 'completed'
  let nextModel = 'gpt-4o-mini'
  let hostileNext = false
  const handler = async (request: RecordedRequest): Promise<Response> => {
    const { method, path } = request
    const n = ++counter
    let match: RegExpExecArray | null
    if (method === 'POST' && path === '/v1/files') return Response.json({ id: `file-in-${n}`, object: 'file', bytes: request.body.byteLength, created_at: n, filename: 'in.jsonl', purpose: 'batch' })
    if (method === 'POST' && path === '/v1/batches') {
      const id = `batch_${n}`
      const body = JSON.parse(new TextDecoder().decode(request.body)) as Record<string, unknown>
      const batch = { id, object: 'batch', endpoint: body.endpoint, input_file_id: body.input_file_id, completion_window: '24h', status: 'validating', created_at: n, polls: 0, end: nextEnd, model: nextModel }
      nextModel = 'gpt-4o-mini'
      batches.set(id, batch)
      ends.set(id, nextEnd)
      nextEnd = 'completed'
      const { polls: _p, end: _e, model: _m, ...visible } = batch
      return Response.json(visible)
    }
    if (method === 'GET' && (match = /^\/v1\/batches\/([^/]+)$/.exec(path))) {
      const batch = batches.get(match[1]!)
      if (!batch) return Response.json({ error: { message: 'No such batch', type: 'invalid_request_error' } }, { status: 404 })
      batch.polls++
      if (batch.polls === 1) batch.status = 'in_progress'
      if (batch.polls >= 2 && batch.status !== batch.end) {
        batch.status = batch.end
        if (batch.end === 'completed') {
          const output = `file-out-${n}`
          const model = String(batch.model)
          const lines = [line('1', 200, model, 1000, 500), line('2', 500, model, 0, 0), line('3', 200, model, 1000, 500)]
          // A line of 200,000 empty arrays (about 600 KB, under the per-line bound) costs far more to parse than it weighs.
          if (hostileNext) lines.push(`[${'[],'.repeat(200_000)}[]]`)
          hostileNext = false
          outputs.set(output, lines.join('\n') + '\n')
          const errors = `file-err-${n}`
          outputs.set(errors, JSON.stringify({ id: 'batch_req_2', custom_id: '2', response: null, error: { code: 'server_error', message: 'boom' } }) + '\n')
          Object.assign(batch, { output_file_id: output, error_file_id: errors, request_counts: { total: 3, completed: 2, failed: 1 } })
        } else Object.assign(batch, { errors: { data: [{ code: 'invalid_json_line' }] }, request_counts: { total: 0, completed: 0, failed: 0 } })
      }
      const { polls: _p, end: _e, model: _m, ...visible } = batch
      return Response.json(visible)
    }
    if (method === 'GET' && (match = /^\/v1\/files\/([^/]+)\/content$/.exec(path))) {
      const content = outputs.get(match[1]!)
      return content === undefined ? Response.json({ error: { message: 'No such file' } }, { status: 404 }) : new Response(content, { headers: { 'content-type': 'application/octet-stream' } })
    }
    return Response.json({ error: { message: `no route ${method} ${path}` } }, { status: 404 })
  }
  return { handler, failNext: () => (nextEnd = 'failed'), modelNext: (model: string) => (nextModel = model), hostileNext: () => (hostileNext = true) }
}

let upstream: FakeUpstream
let gw: TestCore
let fake: ReturnType<typeof fakeBatches>

beforeAll(async () => {
  fake = fakeBatches(new Map())
  upstream = startFakeUpstream(fake.handler)
  gw = await coreFor({ providers: { openai: upstream.url }, storeRows: true, config: { jobs: { poller: true, pollIntervalMs: 40, pollMaxIntervalMs: 160 } } })
})
afterAll(async () => {
  await gw?.stop()
  upstream?.stop()
})

const client = () => new OpenAI({ apiKey: gw.key, baseURL: `${GATEWAY_ORIGIN}/openai/v1`, fetch: gw.fetch, maxRetries: 0 })
const settled = (id: string) => waitFor(`batch ${id} settled`, async () => (await queryRows(gw.dbUrl, 'SELECT * FROM jobs WHERE provider_job_id = ? AND settled_at IS NOT NULL', [id]))[0])

async function createBatch(): Promise<string> {
  const openai = client()
  const file = await openai.files.create({ file: await toFile(Buffer.from('{"custom_id":"1","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","messages":[]}}\n'), 'in.jsonl'), purpose: 'batch' })
  const batch = await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' })
  return batch.id
}

test('a batch nobody polls is billed once from its output file: succeeded lines at half price, the failed line free', async () => {
  const id = await createBatch()
  const job = await settled(id)
  const full = priceUsage({ provider: 'openai', model: 'gpt-4o-mini', usage: { inputTokens: 2000, outputTokens: 1000, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }, at: new Date(), orgId: gw.orgId, overrides: [] })
  expect(full.status).toBe('priced')
  const expected = Math.round(full.costMicros! * 0.5)
  expect(expected).toBeGreaterThan(0)
  expect(job).toMatchObject({ kind: 'batch', status: 'succeeded', raw_status: 'completed', cost_micros: expected, cost_status: 'priced', key_id: gw.keyId, results_path: expect.stringContaining('/v1/files/file-out-') })
  const rows = await queryRows(gw.dbUrl, 'SELECT * FROM usage_events WHERE request_id = ?', [String(job.id)])
  expect(rows).toHaveLength(1)
  expect(rows[0]).toMatchObject({ model: 'gpt-4o-mini', input_tokens: 2000, output_tokens: 1000, cost_micros: expected, price_source: 'batch', key_id: gw.keyId })
  expect(String(rows[0]!.cost_detail)).toContain('2 succeeded line(s) at 50% of the synchronous price, 1 failed line(s) free')
  // Every other row of the exchange (upload, create) is a true $0.
  const charged = await queryRows(gw.dbUrl, "SELECT request_id FROM usage_events WHERE provider = 'openai' AND (cost_micros IS NULL OR cost_micros > 0)")
  expect(charged.map((r) => r.request_id)).toEqual([job.id])
})

test('the output and error files only the poller saw are the owner org\'s: it downloads them, another org gets a 404 with no upstream call', async () => {
  const id = await createBatch()
  const job = await settled(id)
  // Nobody but the poller read the batch's answers after its submit.
  const clientPolls = upstream.requests.filter((r) => r.path === `/v1/batches/${id}` && r.headers.get('authorization') === `Bearer ${gw.key}`)
  expect(clientPolls).toHaveLength(0)
  const output = /file-out-\d+/.exec(String(job.results_path))![0]
  const errors = `file-err-${output.slice('file-out-'.length)}`
  const owned = await queryRows(gw.dbUrl, "SELECT object_id, kind, org_id FROM provider_objects WHERE provider = 'openai' AND object_id IN (?, ?) ORDER BY object_id", [errors, output])
  expect(owned).toEqual([{ object_id: errors, kind: 'file', org_id: gw.orgId }, { object_id: output, kind: 'file', org_id: gw.orgId }])
  const openai = client()
  expect((await (await openai.files.content(output)).text()).split('\n').filter(Boolean)).toHaveLength(3)
  expect(await (await openai.files.content(errors)).text()).toContain('server_error')
  expect((await gw.admin('POST', '/orgs', { name: 'org-files-b' })).status).toBe(201)
  const other = ((await (await gw.admin('POST', '/keys', { org: 'org-files-b', name: 'b' })).json()) as { key: string }).key
  const sent = upstream.requests.length
  for (const file of [output, errors]) {
    for (const path of [`/openai/v1/files/${file}/content`, `/openai/v1/files/${file}`]) {
      const theirs = await gw.fetch(path, { headers: { authorization: `Bearer ${other}` } })
      expect(theirs.status).toBe(404)
      expect(((await theirs.json()) as { error: { code: string } }).error).toBeDefined()
    }
  }
  expect(upstream.requests.length).toBe(sent)
})

test('a results line past the parse budget is not parsed on the proxy thread: it counts unreadable, and the batch is stored unpriced, never $0', async () => {
  fake.hostileNext()
  const id = await createBatch()
  const job = await settled(id)
  expect(job).toMatchObject({ status: 'succeeded', cost_micros: null, cost_status: 'unpriced' })
  const row = (await queryRows(gw.dbUrl, 'SELECT * FROM usage_events WHERE request_id = ?', [String(job.id)]))[0]!
  expect(row).toMatchObject({ cost_micros: null, cost_status: 'unpriced', input_tokens: 2000, output_tokens: 1000 })
  expect(JSON.parse(String(row.raw_usage))).toMatchObject({ usage: { failedLines: 1, unreadableLines: 1 } })
})

test('a failed batch costs nothing', async () => {
  fake.failNext()
  const id = await createBatch()
  const job = await settled(id)
  expect(job).toMatchObject({ status: 'failed', cost_micros: 0, cost_status: 'no_usage', results_path: null })
})

const HOUR = 3_600_000
const reprice = () => gw.admin('POST', '/reprice', { from: new Date(Date.now() - HOUR).toISOString(), to: new Date(Date.now() + HOUR).toISOString() })

test('reprice prices a batch row again from its per-model totals at the batch share: unchanged prices change nothing', async () => {
  const before = await queryRows(gw.dbUrl, "SELECT request_id, cost_micros, cost_status FROM usage_events WHERE price_source = 'batch' ORDER BY request_id")
  expect(before.length).toBeGreaterThan(0)
  const response = await reprice()
  expect(response.status).toBe(200)
  expect(await queryRows(gw.dbUrl, "SELECT request_id, cost_micros, cost_status FROM usage_events WHERE price_source = 'batch' ORDER BY request_id")).toEqual(before)
})

test('a batch of a model with no price is stored unpriced (never $0); after a price override, reprice prices it at the batch share, and its rollups and job agree', async () => {
  const model = 'gpt-batch-unknown-7'
  fake.modelNext(model)
  const id = await createBatch()
  const job = await settled(id)
  expect(job).toMatchObject({ status: 'succeeded', cost_micros: null, cost_status: 'unpriced' })
  const rowOf = async () => (await queryRows(gw.dbUrl, 'SELECT * FROM usage_events WHERE request_id = ?', [String(job.id)]))[0]!
  const row = await rowOf()
  expect(row).toMatchObject({ model, cost_micros: null, cost_status: 'unpriced', price_source: 'batch', input_tokens: 2000, output_tokens: 1000 })
  expect(String(row.cost_detail)).toContain(`no price for ${model}`)
  // What reprice needs is in the row itself: the per-model totals and the share it was billed at.
  expect(JSON.parse(String(row.raw_usage))).toMatchObject({ job: job.id, priceFactor: 0.5, usage: { groups: [{ model, lines: 2, usage: { inputTokens: 2000, outputTokens: 1000 } }], failedLines: 1, unreadableLines: 0 } })
  const rollup = () => queryRows(gw.dbUrl, "SELECT grain, cost_micros, unpriced_requests, requests FROM usage_rollups WHERE model = ? ORDER BY grain", [model])
  // Every grain the writer keeps (unsplit and split by user, tags and outcome) holds the row.
  const grains = ['day', 'hour', 'hour_dims', 'quarter', 'quarter_dims']
  expect(await rollup()).toEqual(grains.map((grain) => ({ grain, cost_micros: 0, unpriced_requests: 1, requests: 1 })))

  // Still no price: reprice leaves it unpriced.
  const first = (await (await reprice()).json()) as { stillUnpriced: number }
  expect(first.stillUnpriced).toBeGreaterThanOrEqual(1)
  expect((await rowOf()).cost_status).toBe('unpriced')

  const override = await gw.admin('POST', '/prices', { provider: 'openai', model, input_usd_per_mtok: 2, output_usd_per_mtok: 8 })
  expect(override.status).toBe(201)
  expect((await reprice()).status).toBe(200)
  // 2000 input at $2/M + 1000 output at $8/M = 4000 + 8000 micro-USD, at 50 %.
  const expected = 6000
  expect(await rowOf()).toMatchObject({ cost_micros: expected, cost_status: 'priced', price_source: 'batch' })
  expect(await rollup()).toEqual(grains.map((grain) => ({ grain, cost_micros: expected, unpriced_requests: 0, requests: 1 })))
  const after = (await queryRows(gw.dbUrl, 'SELECT cost_micros, cost_status FROM jobs WHERE id = ?', [String(job.id)]))[0]
  expect(after).toEqual({ cost_micros: expected, cost_status: 'priced' })
  const shown = (await (await gw.admin('GET', `/jobs/${job.id}`)).json()) as { cost_usd: number; cost_status: string }
  expect(shown).toMatchObject({ cost_usd: expected / 1_000_000, cost_status: 'priced' })

  // Idempotent: again changes nothing (row, rollups, job).
  expect((await reprice()).status).toBe(200)
  expect((await rowOf()).cost_micros).toBe(expected)
  expect((await rollup()).map((r) => r.cost_micros)).toEqual(grains.map(() => expected))
  expect((await queryRows(gw.dbUrl, 'SELECT cost_micros FROM jobs WHERE id = ?', [String(job.id)]))[0]!.cost_micros).toBe(expected)
})
