// Gemini batch jobs: recorded at submit, owned, followed by the poller, billed once from inline results or a responses file at half price; failed lines and failed batches free, unknown prices unpriced.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { priceUsage } from '../../src/pricing/price-usage.ts'
import { geminiBatchJobs } from '../../src/providers/dialects/gemini/batches.ts'
import { startFakeUpstream, type FakeUpstream, type RecordedRequest } from '../support/fake-upstream.ts'
import { coreFor, type TestCore } from '../support/test-core.ts'
import { queryRows } from '../support/usage-rows.ts'
import { waitFor } from '../support/wait-for.ts'

const MODEL = 'gemini-2.5-flash'

/** inline: three results; large: 4,000 results of ~600 bytes (over 2 MiB); oversized: one result of 5 MiB among two. */
type Output = 'inline' | 'file' | 'large' | 'oversized'
type End = 'BATCH_STATE_SUCCEEDED' | 'BATCH_STATE_FAILED' | 'BATCH_STATE_EXPIRED'
interface Batch {
  readonly name: string
  readonly model: string
  readonly output: Output
  readonly end: End
  state: string
  polls: number
}

/** A fake Gemini account: a batch goes PENDING → RUNNING → its end, one step per poll; `:cancel` cancels it. */
function fakeGeminiBatches() {
  const batches = new Map<string, Batch>()
  const files = new Map<string, string>()
  let counter = 0
  let next: { output: Output; end: End } = { output: 'inline', end: 'BATCH_STATE_SUCCEEDED' }
  const answer = (code: number, status: string, message: string) => Response.json({ error: { code, message, status } }, { status: code })
  const usage = (prompt: number, candidates: number, thoughts = 0) => ({ promptTokenCount: prompt, candidatesTokenCount: candidates, thoughtsTokenCount: thoughts, totalTokenCount: prompt + candidates + thoughts })
  const ok = (key: string, model: string | undefined, prompt: number, candidates: number, thoughts = 0) => ({
    key,
    response: { candidates: [{ content: { role: 'model', parts: [{ text: 'hi' }] }, finishReason: 'STOP' }], usageMetadata: usage(prompt, candidates, thoughts), ...(model ? { modelVersion: model } : {}) },
  })
  const failed = (key: string) => ({ key, error: { code: 400, message: 'invalid request', status: 'INVALID_ARGUMENT' } })
  const operation = (batch: Batch) => {
    const done = !['BATCH_STATE_PENDING', 'BATCH_STATE_RUNNING'].includes(batch.state)
    const metadata = {
      '@type': 'type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch',
      model: `models/${batch.model}`,
      displayName: 'test',
      name: batch.name,
      state: batch.state,
      createTime: '2026-12-02T00:00:00Z',
      batchStats: { requestCount: '3', ...(done ? { successfulRequestCount: '2', failedRequestCount: '1' } : { pendingRequestCount: '3' }) },
    }
    if (batch.state !== 'BATCH_STATE_SUCCEEDED') return { name: batch.name, metadata, ...(done ? { done: true } : {}) }
    let response: Record<string, unknown>
    if (batch.output === 'file') {
      const file = `files/batch-${batch.name.slice('batches/'.length)}`
      // One line names its model, one leaves it out (the batch's own model), one failed.
      files.set(file, [ok('a', batch.model, 1000, 400, 100), failed('b'), ok('c', undefined, 1000, 500)].map((line) => JSON.stringify(line)).join('\n') + '\n')
      response = { '@type': 'type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput', responsesFile: file }
    } else {
      const padded = (key: string, text: string) => {
        const line = ok(key, batch.model, 10, 5)
        line.response.candidates[0]!.content.parts[0]!.text = text
        return line
      }
      const inlined =
        batch.output === 'large'
          ? [...Array.from({ length: 4000 }, (_, n) => padded(`k${n}`, `answer ${n} `.padEnd(500, '.'))), failed('f')]
          : batch.output === 'oversized'
            ? [padded('a', 'short'), padded('big', 'z'.repeat(5 * 1024 * 1024)), padded('c', 'short')]
            : [ok('a', batch.model, 1000, 400, 100), failed('b'), ok('c', undefined, 1000, 500)]
      response = { '@type': 'type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput', inlinedResponses: { inlinedResponses: inlined } }
    }
    return { name: batch.name, metadata, done: true, response }
  }
  const handler = (request: RecordedRequest): Response => {
    const { method, path } = request
    let match: RegExpExecArray | null
    if (method === 'POST' && (match = /^\/v1beta\/models\/([^/:]+):batchGenerateContent$/.exec(path))) {
      const name = `batches/b${++counter}`
      const batch: Batch = { name, model: match[1]!, ...next, state: 'BATCH_STATE_PENDING', polls: 0 }
      next = { output: 'inline', end: 'BATCH_STATE_SUCCEEDED' }
      batches.set(name, batch)
      return Response.json(operation(batch))
    }
    if ((match = /^\/v1beta\/(batches\/[^/:]+)(:cancel)?$/.exec(path))) {
      const batch = batches.get(match[1]!)
      if (!batch) return answer(404, 'NOT_FOUND', 'Requested entity was not found.')
      if (method === 'DELETE') return Response.json({})
      if (method === 'POST' && match[2]) {
        batch.state = 'BATCH_STATE_CANCELLED'
        return Response.json({})
      }
      if (method !== 'GET') return answer(405, 'INVALID_ARGUMENT', 'method')
      batch.polls++
      if (batch.state === 'BATCH_STATE_PENDING' && batch.polls >= 1) batch.state = 'BATCH_STATE_RUNNING'
      else if (batch.state === 'BATCH_STATE_RUNNING' && batch.polls >= 2) batch.state = batch.end
      return Response.json(operation(batch))
    }
    if (method === 'GET' && (match = /^\/download\/v1beta\/(files\/[^/:]+):download$/.exec(path))) {
      const content = files.get(match[1]!)
      return content === undefined ? answer(404, 'NOT_FOUND', 'no such file') : new Response(content, { headers: { 'content-type': 'application/octet-stream' } })
    }
    return answer(404, 'NOT_FOUND', `fake gemini: no route for ${method} ${path}`)
  }
  return {
    handler,
    batches,
    nextBatch: (output: Output, end: End = 'BATCH_STATE_SUCCEEDED') => (next = { output, end }),
  }
}

let upstream: FakeUpstream
let gw: TestCore
let fake: ReturnType<typeof fakeGeminiBatches>
let keyB: string

beforeAll(async () => {
  fake = fakeGeminiBatches()
  upstream = startFakeUpstream(fake.handler)
  gw = await coreFor({ providers: { gemini: upstream.url }, storeRows: true, config: { jobs: { poller: true, pollIntervalMs: 40, pollMaxIntervalMs: 160 } } })
  expect((await gw.admin('POST', '/orgs', { name: 'org-b' })).status).toBe(201)
  const b = await gw.admin('POST', '/keys', { org: 'org-b', name: 'b' })
  keyB = ((await b.json()) as { key: string }).key
})
afterAll(async () => {
  await gw?.stop()
  upstream?.stop()
})

const settled = (name: string) => waitFor(`${name} settled`, async () => (await queryRows(gw.dbUrl, "SELECT * FROM jobs WHERE provider = 'gemini' AND provider_job_id = ? AND settled_at IS NOT NULL", [name]))[0])

const call = (key: string, method: string, path: string, body?: unknown) =>
  gw.fetch(`/gemini${path}`, { method, headers: { 'x-goog-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })

async function submit(model = MODEL): Promise<string> {
  const response = await call(gw.key, 'POST', `/v1beta/models/${model}:batchGenerateContent`, {
    batch: { display_name: 'test', input_config: { requests: { requests: ['a', 'b', 'c'].map((key) => ({ request: { contents: [{ parts: [{ text: 'hi' }] }] }, metadata: { key } })) } } },
  })
  expect(response.status).toBe(200)
  const operation = (await response.json()) as { name: string; metadata: { state: string } }
  expect(operation.metadata.state).toBe('BATCH_STATE_PENDING')
  return operation.name
}

/** Two succeeded lines: 1000 in + 500 out (100 of them thoughts), and 1000 in + 500 out; at half the synchronous price. */
function halfPrice(model: string): number {
  const full = priceUsage({ provider: 'gemini', model, usage: { inputTokens: 2000, outputTokens: 1000, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 100 }, at: new Date(), orgId: gw.orgId, overrides: [] })
  expect(full.status).toBe('priced')
  expect(full.costMicros!).toBeGreaterThan(0)
  return Math.round(full.costMicros! * 0.5)
}

test('a batch with inline results is recorded at submit and billed once, however many polls, at half price; its failed line free', async () => {
  fake.nextBatch('inline')
  const name = await submit()
  // Recorded at submit, for the key that submitted it.
  const recorded = await waitFor('the job row', async () => (await queryRows(gw.dbUrl, "SELECT * FROM jobs WHERE provider = 'gemini' AND provider_job_id = ?", [name]))[0])
  expect(recorded).toMatchObject({ kind: 'batch', model: MODEL, key_id: gw.keyId, org_id: gw.orgId })
  const job = await settled(name)
  expect(job).toMatchObject({ status: 'succeeded', raw_status: 'BATCH_STATE_SUCCEEDED', cost_micros: halfPrice(MODEL), cost_status: 'priced' })
  // The client polls it too, more than once after its end: still one usage row.
  for (let i = 0; i < 3; i++) {
    const poll = await call(gw.key, 'GET', `/v1beta/${name}`)
    expect(poll.status).toBe(200)
    expect(((await poll.json()) as { metadata: { state: string } }).metadata.state).toBe('BATCH_STATE_SUCCEEDED')
  }
  expect(fake.batches.get(name)!.polls).toBeGreaterThanOrEqual(5)
  await Bun.sleep(300)
  const rows = await queryRows(gw.dbUrl, 'SELECT * FROM usage_events WHERE request_id = ?', [String(job.id)])
  expect(rows).toHaveLength(1)
  expect(rows[0]).toMatchObject({ model: MODEL, input_tokens: 2000, output_tokens: 1000, reasoning_tokens: 100, cost_micros: halfPrice(MODEL), price_source: 'batch', key_id: gw.keyId })
  expect(String(rows[0]!.cost_detail)).toContain('2 succeeded line(s) at 50% of the synchronous price, 1 failed line(s) free')
  // The submit and the polls themselves cost nothing.
  const charged = await queryRows(gw.dbUrl, "SELECT request_id FROM usage_events WHERE provider = 'gemini' AND (cost_micros IS NULL OR cost_micros > 0)")
  expect(charged.map((r) => r.request_id)).toEqual([job.id])
})

test('a batch with a responses file is billed from the file, read from the configured host with the gateway credential', async () => {
  fake.nextBatch('file')
  const before = upstream.requests.length
  const name = await submit()
  const job = await settled(name)
  const file = `files/batch-${name.slice('batches/'.length)}`
  expect(job).toMatchObject({ status: 'succeeded', cost_micros: halfPrice(MODEL), cost_status: 'priced', results_path: `/download/v1beta/${file}:download?alt=media` })
  const rows = await queryRows(gw.dbUrl, 'SELECT * FROM usage_events WHERE request_id = ?', [String(job.id)])
  expect(rows).toHaveLength(1)
  expect(rows[0]).toMatchObject({ input_tokens: 2000, output_tokens: 1000, price_source: 'batch' })
  expect(String(rows[0]!.cost_detail)).toContain('1 failed line(s) free')
  const downloads = upstream.requests.slice(before).filter((r) => r.path === `/download/v1beta/${file}:download`)
  expect(downloads).toHaveLength(1)
  expect(downloads[0]!.headers.get('x-goog-api-key')).toBeTruthy()
  expect(downloads[0]!.headers.get('x-goog-api-key')).not.toBe(gw.key)
  // Only the poller saw the answer naming the responses file: it is the owner's (downloadable), another org's 404, not forwarded.
  expect(upstream.requests.slice(before).filter((r) => r.path === `/v1beta/${name}` && r.headers.get('x-goog-api-key') === gw.key)).toHaveLength(0)
  expect(await queryRows(gw.dbUrl, "SELECT kind, org_id FROM provider_objects WHERE provider = 'gemini' AND object_id = ?", [file])).toEqual([{ kind: 'file', org_id: gw.orgId }])
  const mine = await call(gw.key, 'GET', `/download/v1beta/${file}:download?alt=media`)
  expect(mine.status).toBe(200)
  expect((await mine.text()).split('\n').filter(Boolean)).toHaveLength(3)
  const sent = upstream.requests.length
  const theirs = await call(keyB, 'GET', `/download/v1beta/${file}:download?alt=media`)
  expect(theirs.status).toBe(404)
  expect(upstream.requests.slice(sent).filter((r) => r.path.startsWith('/download/'))).toHaveLength(0)
  // Downloading costs nothing, and the batch is still billed once.
  expect(await queryRows(gw.dbUrl, "SELECT request_id FROM usage_events WHERE provider = 'gemini' AND endpoint LIKE '/download/%' AND (cost_micros IS NULL OR cost_micros > 0)")).toHaveLength(0)
  expect(await queryRows(gw.dbUrl, 'SELECT * FROM usage_events WHERE request_id = ?', [String(job.id)])).toHaveLength(1)
})

test('failed, expired and cancelled batches cost $0', async () => {
  fake.nextBatch('inline', 'BATCH_STATE_FAILED')
  const failedName = await submit()
  fake.nextBatch('inline', 'BATCH_STATE_EXPIRED')
  const expiredName = await submit()
  const cancelledName = await submit()
  const cancel = await call(gw.key, 'POST', `/v1beta/${cancelledName}:cancel`)
  expect(cancel.status).toBe(200)
  expect(await settled(failedName)).toMatchObject({ status: 'failed', cost_micros: 0, cost_status: 'no_usage' })
  expect(await settled(expiredName)).toMatchObject({ status: 'expired', cost_micros: 0, cost_status: 'no_usage' })
  expect(await settled(cancelledName)).toMatchObject({ status: 'canceled', raw_status: 'BATCH_STATE_CANCELLED', cost_micros: 0, cost_status: 'no_usage' })
  // Neither the submits nor the cancel are charged (nor left unpriced) as calls of their own.
  const charged = await queryRows(gw.dbUrl, "SELECT endpoint FROM usage_events WHERE provider = 'gemini' AND (endpoint LIKE '%:cancel' OR request_id LIKE 'req_%') AND (cost_micros IS NULL OR cost_micros > 0)")
  expect(charged).toEqual([])
})

test('inline results longer than a poll answer (over 2 MiB) are streamed by the poller and billed, one bounded result at a time', async () => {
  fake.nextBatch('large')
  const name = await submit()
  const job = await settled(name)
  // The answer the poller read was longer than any poll answer is read whole.
  const answer = await (await fetch(`${upstream.url}/v1beta/${name}`)).text()
  expect(answer.length).toBeGreaterThan(2 * 1024 * 1024)
  const full = priceUsage({ provider: 'gemini', model: MODEL, usage: { inputTokens: 40_000, outputTokens: 20_000, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }, at: new Date(), orgId: gw.orgId, overrides: [] })
  const expected = Math.round(full.costMicros! * 0.5)
  expect(expected).toBeGreaterThan(0)
  expect(job).toMatchObject({ status: 'succeeded', raw_status: 'BATCH_STATE_SUCCEEDED', cost_micros: expected, cost_status: 'priced' })
  const rows = await queryRows(gw.dbUrl, 'SELECT * FROM usage_events WHERE request_id = ?', [String(job.id)])
  expect(rows).toHaveLength(1)
  expect(rows[0]).toMatchObject({ input_tokens: 40_000, output_tokens: 20_000, cost_micros: expected, price_source: 'batch' })
  expect(String(rows[0]!.cost_detail)).toContain('4000 succeeded line(s) at 50% of the synchronous price, 1 failed line(s) free')
})

test('an inline result longer than the per-result bound is not read: the batch is stored unpriced with the known part, never $0', async () => {
  fake.nextBatch('oversized')
  const name = await submit()
  const job = await settled(name)
  expect(job).toMatchObject({ status: 'succeeded', cost_micros: null, cost_status: 'unpriced' })
  const rows = await queryRows(gw.dbUrl, 'SELECT * FROM usage_events WHERE request_id = ?', [String(job.id)])
  expect(rows).toHaveLength(1)
  expect(rows[0]).toMatchObject({ cost_micros: null, cost_status: 'unpriced', input_tokens: 20, output_tokens: 10 })
  expect(String(rows[0]!.cost_detail)).toContain('1 line(s) could not be read')
})

test('a model without a price leaves the batch unpriced, never $0', async () => {
  const model = 'gemini-unpriced-experimental-9'
  fake.nextBatch('inline')
  const name = await submit(model)
  const job = await settled(name)
  expect(job).toMatchObject({ status: 'succeeded', cost_micros: null, cost_status: 'unpriced' })
  const rows = await queryRows(gw.dbUrl, 'SELECT * FROM usage_events WHERE request_id = ?', [String(job.id)])
  expect(rows).toHaveLength(1)
  expect(rows[0]).toMatchObject({ cost_micros: null, cost_status: 'unpriced', input_tokens: 2000, output_tokens: 1000 })
  expect(String(rows[0]!.cost_detail)).toContain(`no price for ${model}`)
})

test("another org's batch answers 404 to get, cancel and delete, and none of them reaches the upstream", async () => {
  fake.nextBatch('inline')
  const name = await submit()
  for (const [method, path] of [['GET', `/v1beta/${name}`], ['POST', `/v1beta/${name}:cancel`], ['DELETE', `/v1beta/${name}`], ['GET', `/v1alpha/${name}`]] as const) {
    const before = upstream.requests.length
    const response = await call(keyB, method, path)
    expect(response.status).toBe(404)
    expect(((await response.json()) as { error: { status: string } }).error.status).toBe('NOT_FOUND')
    // The poller keeps polling the batch meanwhile (GETs): only a cancel or a delete would be the refused request.
    expect(upstream.requests.slice(before).filter((r) => r.method !== 'GET' && r.path.includes(name.slice('batches/'.length)))).toHaveLength(0)
  }
  expect(fake.batches.get(name)!.state).not.toBe('BATCH_STATE_CANCELLED')
  // Its owner still reads it, and it is billed to the owner.
  expect((await call(gw.key, 'GET', `/v1beta/${name}`)).status).toBe(200)
  expect(await settled(name)).toMatchObject({ key_id: gw.keyId, org_id: gw.orgId, cost_status: 'priced' })
})

test('reading a batch answer: its states, the results it points at, and what is not trusted', () => {
  const { read, submission, pollPath } = geminiBatchJobs
  expect(submission({ method: 'POST', path: '/v1alpha/models/gemini-2.5-pro:batchGenerateContent', headers: new Headers(), json: {} })).toEqual({ kind: 'batch', model: 'gemini-2.5-pro', params: { version: 'v1alpha' } })
  expect(submission({ method: 'POST', path: '/v1beta/models/gemini-2.5-pro:generateContent', headers: new Headers(), json: {} })).toBeUndefined()
  expect(pollPath({ providerJobId: 'batches/x1', createPath: '/v1alpha/models/m:batchGenerateContent' })).toBe('/v1alpha/batches/x1')
  // The batch object itself (no operation envelope) and the SDK's state names read the same.
  expect(read({ name: 'batches/x1', state: 'JOB_STATE_RUNNING' })).toMatchObject({ providerJobId: 'batches/x1', status: 'running' })
  expect(read({ name: 'batches/x1', metadata: { state: 'BATCH_STATE_SOMETHING_NEW' } })).toMatchObject({ status: 'unknown' })
  // Not a batch: another operation, or an id that is not a plain resource name.
  expect(read({ name: 'operations/x1', metadata: { state: 'BATCH_STATE_SUCCEEDED' } })).toBeUndefined()
  expect(read({ name: 'batches/../files/x', metadata: { state: 'BATCH_STATE_SUCCEEDED' } })).toBeUndefined()
  // A responses file that is not a plain file name is never fetched; nor billed from inline results it does not have: no usage, so unpriced.
  const odd = read({ name: 'batches/x1', metadata: { state: 'BATCH_STATE_SUCCEEDED' }, done: true, response: { responsesFile: 'files/x?alt=media&key=1' } })
  expect(odd).toMatchObject({ status: 'succeeded', usage: null })
  expect(odd!.resultsPath).toBeUndefined()
  expect(odd!.results).toBeUndefined()
  // The SDK's output shape (metadata.output.inlinedResponses as an array); an entry with neither an error nor usage is unreadable.
  const inline = read({
    name: 'batches/x2',
    metadata: { state: 'BATCH_STATE_SUCCEEDED', model: 'models/gemini-2.5-flash', output: { inlinedResponses: [{ response: { usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5 }, modelVersion: 'gemini-2.5-flash' } }, { error: { code: 500 } }, { response: { candidates: [] } }] } },
  })
  expect(inline).toMatchObject({ model: 'gemini-2.5-flash', results: { failedLines: 1, unreadableLines: 1, groups: [{ model: 'gemini-2.5-flash', lines: 1, usage: { inputTokens: 10, outputTokens: 5 } }] } })
})
