// Async jobs are billed exactly once, at the first sight of their end, to the key and org that created them; polls are free.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeTaskAccount, type FakeTaskAccount } from '../support/fake-task-apis.ts'
import { coreFor, type TestCore } from '../support/test-core.ts'
import { queryRows } from '../support/usage-rows.ts'
import { waitFor } from '../support/wait-for.ts'

let account: FakeTaskAccount
let upstream: FakeUpstream
let gw: TestCore
let clock = Date.now()
/** A second key of the same org: its polls are not what the job is charged to. */
let poller: string
let otherOrg: string
/** The bytes the upstream sent last. */
let lastSent = new Uint8Array()

beforeAll(async () => {
  account = fakeTaskAccount()
  upstream = startFakeUpstream(async (request) => {
    const response = account.handler(request)
    lastSent = new Uint8Array(await response.clone().arrayBuffer())
    return response
  })
  gw = await coreFor({
    providers: { dashscope: upstream.url, byteplus: upstream.url, mulerouter: upstream.url },
    now: () => clock,
    storeRows: true,
    config: { jobs: { poller: false, pollIntervalMs: 30_000, pollMaxIntervalMs: 600_000 } },
  })
  poller = (await gw.createKey({ name: 'poller' })).key
  expect((await gw.admin('POST', '/orgs', { name: 'org-b' })).status).toBe(201)
  otherOrg = ((await (await gw.admin('POST', '/keys', { org: 'org-b', name: 'b' })).json()) as { key: string }).key
})

afterAll(async () => {
  await gw?.stop()
  upstream?.stop()
})

const call = (key: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  gw.fetch(path, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })

type Row = Record<string, unknown>

const jobRow = (provider: string, id: string) => queryRows(gw.dbUrl, 'SELECT * FROM jobs WHERE provider = ? AND provider_job_id = ?', [provider, id]).then((rows) => rows[0])
const settledJob = (provider: string, id: string) => waitFor(`job ${id} settled`, async () => {
  const row = await jobRow(provider, id)
  return row && row.settled_at !== null ? row : undefined
})
const jobUsageRows = (jobId: unknown) => queryRows(gw.dbUrl, 'SELECT * FROM usage_events WHERE request_id = ?', [String(jobId)])
/** Every priced or unpriced (anything but a true $0) usage row of the provider. */
const chargedRows = (provider: string) => queryRows(gw.dbUrl, "SELECT * FROM usage_events WHERE provider = ? AND (cost_micros IS NULL OR cost_micros > 0)", [provider])

/** Polls `times` times with `key`, each answer reaching the client byte-identical to the upstream's. */
async function poll(key: string, path: string, times: number): Promise<Row[]> {
  const answers: Row[] = []
  for (let i = 0; i < times; i++) {
    const before = upstream.requests.length
    const response = await call(key, 'GET', path)
    expect(response.status).toBe(200)
    const bytes = new Uint8Array(await response.arrayBuffer())
    expect(upstream.requests.length).toBe(before + 1)
    expect(bytes).toEqual(lastSent)
    answers.push(JSON.parse(new TextDecoder().decode(bytes)) as Row)
  }
  // Each poll's own row is written once its exchange has settled in the meter.
  await gw.meter.idle()
  return answers
}

describe('BytePlus ModelArk content-generation tasks', () => {
  test('a Seedance task polled five times is billed once, to the key that created it', async () => {
    account.script([{ status: 'queued' }, { status: 'running' }, { status: 'succeeded', usage: { completion_tokens: 108_900, total_tokens: 108_900 } }])
    const created = await call(gw.key, 'POST', '/byteplus/api/v3/contents/generations/tasks', { model: 'seedance-1-0-pro', content: [{ type: 'text', text: 'a cat' }], duration: 5, resolution: '720p' })
    expect(created.status).toBe(200)
    const { id } = (await created.json()) as { id: string }
    const submitted = await waitFor('job row', () => jobRow('byteplus', id))
    expect(submitted).toMatchObject({ org_id: gw.orgId, key_id: gw.keyId, model: 'seedance-1-0-pro', kind: 'video', status: 'queued', settled_at: null, upstream_base: upstream.url })
    expect(JSON.parse(String(submitted.params))).toEqual({ resolution: '720p', duration: 5 })
    expect(String(submitted.credential_ref)).toMatch(/^environment:[0-9a-f]{16}$/)

    const answers = await poll(poller, `/byteplus/api/v3/contents/generations/tasks/${id}`, 5)
    expect(answers.map((a) => a.status)).toEqual(['queued', 'running', 'succeeded', 'succeeded', 'succeeded'])
    const job = await settledJob('byteplus', id)
    // 108,900 tokens at $2.50 per million.
    expect(job).toMatchObject({ status: 'succeeded', raw_status: 'succeeded', cost_micros: 272_250, cost_status: 'priced' })
    const [row, ...more] = await jobUsageRows(job.id)
    expect(more).toEqual([])
    expect(row).toMatchObject({ org_id: gw.orgId, key_id: gw.keyId, provider: 'byteplus', model: 'seedance-1-0-pro', output_tokens: 108_900, cost_micros: 272_250, cost_status: 'priced', usage_source: 'reported' })
    // Exactly one charged row for the provider: the submit and the five polls are each a true $0.
    expect((await chargedRows('byteplus')).map((r) => r.request_id)).toEqual([job.id])
    const polls = await queryRows(gw.dbUrl, "SELECT * FROM usage_events WHERE provider = 'byteplus' AND method = 'GET'")
    expect(polls.length).toBe(5)
    for (const p of polls) expect(p).toMatchObject({ cost_micros: 0, cost_status: 'no_usage' })
  })

  test('a cancelled task costs nothing: one $0 row for the job', async () => {
    account.script([{ status: 'queued' }, { status: 'cancelled' }])
    const { id } = (await (await call(gw.key, 'POST', '/byteplus/api/v3/contents/generations/tasks', { model: 'seedance-1-0-pro', content: [] })).json()) as { id: string }
    await waitFor('job row', () => jobRow('byteplus', id))
    await poll(gw.key, `/byteplus/api/v3/contents/generations/tasks/${id}`, 3)
    const job = await settledJob('byteplus', id)
    expect(job).toMatchObject({ status: 'canceled', raw_status: 'cancelled', cost_micros: 0, cost_status: 'no_usage' })
    const rows = await jobUsageRows(job.id)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ cost_micros: 0, cost_status: 'no_usage', key_id: gw.keyId })
  })

  test("another org's key gets the provider's 404 for a task, with no upstream call", async () => {
    account.script([{ status: 'running' }])
    const { id } = (await (await call(gw.key, 'POST', '/byteplus/api/v3/contents/generations/tasks', { model: 'seedance-1-0-pro', content: [] })).json()) as { id: string }
    const before = upstream.requests.length
    const stolen = await call(otherOrg, 'GET', `/byteplus/api/v3/contents/generations/tasks/${id}`)
    expect(stolen.status).toBe(404)
    expect(((await stolen.json()) as { error: { code: string } }).error.code).toBe('ResourceNotFound')
    expect(upstream.requests.length).toBe(before)
  })
})

describe('DashScope async tasks', () => {
  const submit = (key: string, model: string, parameters: Record<string, unknown> = {}) =>
    call(key, 'POST', '/dashscope/api/v1/services/aigc/video-generation/video-synthesis', { model, input: { prompt: 'a cat' }, parameters }, { 'x-dashscope-async': 'enable' })

  test('a Wan video task is billed once from its usage, however often it is polled', async () => {
    account.script([{ status: 'PENDING' }, { status: 'RUNNING' }, { status: 'SUCCEEDED', usage: { video_duration: 5, video_count: 1, SR: 1080 } }])
    const created = await submit(gw.key, 'wan2.5-t2v-preview', { duration: 5, resolution: '1080P' })
    expect(created.status).toBe(200)
    const taskId = ((await created.json()) as { output: { task_id: string } }).output.task_id
    const submitted = await waitFor('job row', () => jobRow('dashscope', taskId))
    expect(submitted).toMatchObject({ kind: 'video', model: 'wan2.5-t2v-preview', status: 'queued', raw_status: 'PENDING' })
    const answers = await poll(poller, `/dashscope/api/v1/tasks/${taskId}`, 6)
    expect(answers.map((a) => (a.output as { task_status: string }).task_status)).toEqual(['PENDING', 'RUNNING', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED'])
    const job = await settledJob('dashscope', taskId)
    // 5 s at $0.15 per second.
    expect(job).toMatchObject({ status: 'succeeded', cost_micros: 750_000, cost_status: 'priced', key_id: gw.keyId })
    const rows = await jobUsageRows(job.id)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ video_seconds: 5, cost_micros: 750_000, key_id: gw.keyId, org_id: gw.orgId })
    expect((await chargedRows('dashscope')).map((r) => r.request_id)).toEqual([job.id])
  })

  test('a video task of a model with no price is unpriced with its seconds kept; a price override and reprice price it, and the job shows that cost', async () => {
    const model = 'wan-unpriced-video-9'
    account.script([{ status: 'RUNNING' }, { status: 'SUCCEEDED', usage: { video_duration: 4, video_count: 1, SR: 720 } }])
    const taskId = ((await (await submit(gw.key, model, { duration: 4 })).json()) as { output: { task_id: string } }).output.task_id
    await waitFor('job row', () => jobRow('dashscope', taskId))
    await poll(poller, `/dashscope/api/v1/tasks/${taskId}`, 2)
    const job = await settledJob('dashscope', taskId)
    expect(job).toMatchObject({ status: 'succeeded', cost_micros: null, cost_status: 'unpriced' })
    expect((await jobUsageRows(job.id))[0]).toMatchObject({ video_seconds: 4, cost_micros: null, cost_status: 'unpriced' })
    expect((await gw.admin('POST', '/prices', { provider: 'dashscope', model, usd_per_video_second: 0.25 })).status).toBe(201)
    const range = { from: new Date(clock - 86_400_000).toISOString(), to: new Date(clock + 86_400_000).toISOString() }
    expect((await gw.admin('POST', '/reprice', range)).status).toBe(200)
    expect((await jobUsageRows(job.id))[0]).toMatchObject({ cost_micros: 1_000_000, cost_status: 'priced' })
    expect(await jobRow('dashscope', taskId)).toMatchObject({ cost_micros: 1_000_000, cost_status: 'priced' })
    const rollups = await queryRows(gw.dbUrl, 'SELECT grain, cost_micros, unpriced_requests FROM usage_rollups WHERE model = ? ORDER BY grain', [model])
    // Every grain the writer keeps (unsplit and split by user, tags and outcome) moves with the row.
    expect(rollups).toEqual(['day', 'hour', 'hour_dims', 'quarter', 'quarter_dims'].map((grain) => ({ grain, cost_micros: 1_000_000, unpriced_requests: 0 })))
  })

  test('a failed task costs nothing', async () => {
    account.script([{ status: 'RUNNING' }, { status: 'FAILED', usage: { video_count: 0 } }])
    const taskId = ((await (await submit(gw.key, 'wan2.5-t2v-preview')).json()) as { output: { task_id: string } }).output.task_id
    await waitFor('job row', () => jobRow('dashscope', taskId))
    await poll(gw.key, `/dashscope/api/v1/tasks/${taskId}`, 3)
    const job = await settledJob('dashscope', taskId)
    expect(job).toMatchObject({ status: 'failed', cost_micros: 0, cost_status: 'no_usage' })
    expect(await jobUsageRows(job.id)).toHaveLength(1)
  })

  test('a task the provider no longer knows after its 24 h is expired, free; before that it is only unknown', async () => {
    account.script([{ status: 'UNKNOWN' }])
    const taskId = ((await (await submit(gw.key, 'wan2.5-t2v-preview')).json()) as { output: { task_id: string } }).output.task_id
    await waitFor('job row', () => jobRow('dashscope', taskId))
    await poll(gw.key, `/dashscope/api/v1/tasks/${taskId}`, 1)
    await waitFor('unknown status', async () => ((await jobRow('dashscope', taskId))?.status === 'unknown' ? true : undefined))
    expect((await jobRow('dashscope', taskId))!.settled_at).toBeNull()
    clock += 25 * 3_600_000
    try {
      await poll(gw.key, `/dashscope/api/v1/tasks/${taskId}`, 1)
      const job = await settledJob('dashscope', taskId)
      expect(job).toMatchObject({ status: 'expired', raw_status: 'UNKNOWN', cost_micros: 0, cost_status: 'no_usage' })
    } finally {
      clock -= 25 * 3_600_000
    }
  })

  test("another org's poll is a 404 in DashScope's shape, with no upstream call", async () => {
    account.script([{ status: 'RUNNING' }])
    const taskId = ((await (await submit(gw.key, 'wan2.5-t2v-preview')).json()) as { output: { task_id: string } }).output.task_id
    const before = upstream.requests.length
    const stolen = await call(otherOrg, 'GET', `/dashscope/api/v1/tasks/${taskId}`)
    expect(stolen.status).toBe(404)
    expect(upstream.requests.length).toBe(before)
  })
})

describe('MuleRouter vendor tasks', () => {
  const path = '/mulerouter/vendors/alibaba/v1/wan2.5-t2v-preview/generation'

  test('a succeeded task is priced from its request parameters, stored estimated, once', async () => {
    account.script([{ status: 'queued' }, { status: 'running' }, { status: 'succeeded' }])
    const created = await call(gw.key, 'POST', path, { prompt: 'a cat', duration: 5, resolution: '1080P' })
    expect(created.status).toBe(202)
    const taskId = ((await created.json()) as { task_info: { id: string } }).task_info.id
    const submitted = await waitFor('job row', () => jobRow('mulerouter', taskId))
    expect(submitted).toMatchObject({ kind: 'video', model: 'wan2.5-t2v-preview', create_path: '/vendors/alibaba/v1/wan2.5-t2v-preview/generation' })
    await poll(poller, `${path}/${taskId}`, 4)
    const job = await settledJob('mulerouter', taskId)
    expect(job).toMatchObject({ status: 'succeeded', cost_micros: 750_000, cost_status: 'estimated' })
    const rows = await jobUsageRows(job.id)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ video_seconds: 5, usage_source: 'estimated', cost_status: 'estimated', key_id: gw.keyId })
    // The submit itself is no longer stored unpriced: it is a true $0, the job's row carries the cost.
    expect((await chargedRows('mulerouter')).map((r) => r.request_id)).toEqual([job.id])
  })

  test('a task that fails with HTTP 200 and an error code costs nothing', async () => {
    account.script([{ status: 'running' }, { status: 'failed', error: true }])
    const taskId = ((await (await call(gw.key, 'POST', path, { prompt: 'a cat', duration: 5 })).json()) as { task_info: { id: string } }).task_info.id
    await waitFor('job row', () => jobRow('mulerouter', taskId))
    await poll(gw.key, `${path}/${taskId}`, 3)
    const job = await settledJob('mulerouter', taskId)
    expect(job).toMatchObject({ status: 'failed', cost_micros: 0, cost_status: 'no_usage' })
    expect(await jobUsageRows(job.id)).toHaveLength(1)
  })

  test('a succeeded task whose parameters do not say its length is unpriced, never $0', async () => {
    account.script([{ status: 'succeeded' }])
    const taskId = ((await (await call(gw.key, 'POST', path, { prompt: 'a cat' })).json()) as { task_info: { id: string } }).task_info.id
    await waitFor('job row', () => jobRow('mulerouter', taskId))
    await poll(gw.key, `${path}/${taskId}`, 2)
    const job = await settledJob('mulerouter', taskId)
    expect(job).toMatchObject({ status: 'succeeded', cost_micros: null, cost_status: 'unpriced' })
    expect((await jobUsageRows(job.id))[0]).toMatchObject({ cost_micros: null, cost_status: 'unpriced' })
  })

  test("another org's poll is refused without an upstream call", async () => {
    account.script([{ status: 'running' }])
    const taskId = ((await (await call(gw.key, 'POST', path, { prompt: 'a cat', duration: 5 })).json()) as { task_info: { id: string } }).task_info.id
    const before = upstream.requests.length
    expect((await call(otherOrg, 'GET', `${path}/${taskId}`)).status).toBe(404)
    expect(upstream.requests.length).toBe(before)
  })
})
