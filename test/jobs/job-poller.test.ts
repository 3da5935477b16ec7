// The background poller: finishes jobs nobody polls, resumes from the ledger after a restart, and polls once with two instances on one database.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createGatewayCore, type GatewayCore } from '../../src/gateway-core.ts'
import { silentLogger } from '../../src/log.ts'
import { nextPollDelay } from '../../src/jobs/job-poller.ts'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeTaskAccount, type FakeTaskAccount } from '../support/fake-task-apis.ts'
import { memoryMeter } from '../support/memory-meter.ts'
import { coreFor, GATEWAY_ORIGIN, type TestCore } from '../support/test-core.ts'
import { UPSTREAM_SECRET } from '../support/test-gateway.ts'
import { queryRows } from '../support/usage-rows.ts'
import { waitFor } from '../support/wait-for.ts'

let account: FakeTaskAccount
let upstream: FakeUpstream
/** The next this many task polls answer 503 (an upstream hiccup the poller must count and retry). */
let failingPolls = 0

beforeAll(() => {
  account = fakeTaskAccount()
  upstream = startFakeUpstream((request) => {
    if (request.method === 'GET' && failingPolls > 0) {
      failingPolls--
      return Response.json({ error: { code: 'ServiceUnavailable', message: 'try later' } }, { status: 503 })
    }
    return account.handler(request)
  })
})
afterAll(() => upstream?.stop())

const FAST = { poller: true, pollIntervalMs: 40, pollMaxIntervalMs: 160 }
const discard = { write: () => true, onDrain: () => {} }

/** Another gateway instance on the same database (and config) as `gw`. */
function instanceOn(gw: TestCore, jobs: typeof FAST): Promise<GatewayCore> {
  return createGatewayCore({ ...gw.config, jobs }, { log: silentLogger, meter: memoryMeter({ store: true }).start, accessLogSink: discard })
}

const settledJob = (gw: TestCore, id: string) =>
  waitFor(`job ${id} settled`, async () => (await queryRows(gw.dbUrl, 'SELECT * FROM jobs WHERE provider_job_id = ? AND settled_at IS NOT NULL', [id]))[0])

async function submitSeedance(gw: TestCore, fetcher: (path: string, init: RequestInit) => Promise<Response> = gw.fetch): Promise<string> {
  const created = await fetcher('/byteplus/api/v3/contents/generations/tasks', {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'seedance-1-0-pro', content: [{ type: 'text', text: 'a cat' }] }),
  })
  expect(created.status).toBe(200)
  const { id } = (await created.json()) as { id: string }
  await waitFor('job row', async () => (await queryRows(gw.dbUrl, 'SELECT id FROM jobs WHERE provider_job_id = ?', [id]))[0])
  return id
}

const SUCCEEDED = { status: 'succeeded', usage: { completion_tokens: 108_900, total_tokens: 108_900 } }

test('the backoff doubles up to its ceiling, with ±20 % jitter', () => {
  expect([0, 1, 2, 3, 10].map((n) => nextPollDelay(n, 1_000, 5_000, 0.5))).toEqual([1_000, 2_000, 4_000, 5_000, 5_000])
  expect(nextPollDelay(0, 1_000, 5_000, 0)).toBe(800)
  expect(nextPollDelay(0, 1_000, 5_000, 0.999_999)).toBe(1_200)
})

describe('one instance', () => {
  let gw: TestCore
  beforeAll(async () => {
    gw = await coreFor({ providers: { byteplus: upstream.url }, storeRows: true, config: { jobs: FAST } })
  })
  afterAll(() => gw?.stop())

  test('a job nobody polls is followed to its end and billed once, through the upstream and credential it was made with', async () => {
    account.script([{ status: 'queued' }, { status: 'running' }, SUCCEEDED])
    const before = upstream.requests.length
    const id = await submitSeedance(gw)
    const job = await settledJob(gw, id)
    expect(job).toMatchObject({ status: 'succeeded', cost_micros: 272_250, cost_status: 'priced', key_id: gw.keyId, next_poll_at: null })
    const polls = upstream.requests.slice(before).filter((r) => r.method === 'GET')
    expect(polls.length).toBe(3)
    for (const poll of polls) {
      expect(poll.path).toBe(`/api/v3/contents/generations/tasks/${id}`)
      expect(poll.headers.get('authorization')).toBe(`Bearer ${UPSTREAM_SECRET}`)
    }
    expect(await queryRows(gw.dbUrl, 'SELECT * FROM usage_events WHERE request_id = ?', [String(job.id)])).toHaveLength(1)
    // Settled: the poller stops there.
    await Bun.sleep(300)
    expect(account.polls(id)).toBe(3)
    expect(gw.core.jobPoller?.stats).toMatchObject({ holdsLease: true, pollErrors: 0 })
  })

  test('Prometheus: failed polls are counted per provider and retried, polls per provider, and the job\'s time to completion observed', async () => {
    const series = async () => {
      const text = await (await gw.fetch('/metrics')).text()
      const value = (prefix: string) => Number(text.split('\n').find((l) => l.startsWith(prefix))?.split(' ').at(-1) ?? 0)
      return {
        errors: value('sociaro_job_poll_errors_total{provider="byteplus"}'),
        polls: value('sociaro_job_polls_total{provider="byteplus"}'),
        completed: value('sociaro_job_completion_seconds_count{provider="byteplus",status="billed"}'),
        text,
      }
    }
    const before = await series()
    account.script([{ status: 'running' }, SUCCEEDED])
    failingPolls = 2
    const id = await submitSeedance(gw)
    const job = await settledJob(gw, id)
    expect(job).toMatchObject({ status: 'succeeded', poll_errors: 2, cost_status: 'priced' })
    const after = await waitFor('completion observed', async () => {
      const now = await series()
      return now.completed >= before.completed + 1 ? now : undefined
    })
    expect(after.errors).toBe(before.errors + 2)
    // Two failed polls, then the two the task's script needs.
    expect(after.polls).toBe(before.polls + 4)
    expect(after.text).toContain('# TYPE sociaro_job_poll_errors_total counter')
    expect(after.text).toContain('# TYPE sociaro_job_completion_seconds histogram')
    expect(after.text).toMatch(/sociaro_job_completion_seconds_bucket\{provider="byteplus",status="billed",le="\+Inf"\} \d+/)
    expect(after.text).toMatch(/sociaro_jobs\{provider="byteplus",status="succeeded"\} \d+/)
  })

  test('a task the client cancels (a DELETE) is still followed to its cancelled end, and costs nothing', async () => {
    account.script([{ status: 'queued' }])
    const id = await submitSeedance(gw)
    const deleted = await gw.fetch(`/byteplus/api/v3/contents/generations/tasks/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${gw.key}` } })
    expect(deleted.status).toBe(200)
    const job = await settledJob(gw, id)
    expect(job).toMatchObject({ status: 'canceled', raw_status: 'cancelled', cost_micros: 0, cost_status: 'no_usage' })
  })
})

describe('restart and several instances', () => {
  test('a job created before a restart is finished by the next instance, from the ledger', async () => {
    const first = await coreFor({ providers: { byteplus: upstream.url }, storeRows: true, config: { jobs: { ...FAST, poller: false } } })
    let second: GatewayCore | undefined
    try {
      account.script([{ status: 'running' }, SUCCEEDED])
      const id = await submitSeedance(first)
      await first.core.stop(2_000)
      expect(account.polls(id)).toBe(0)
      second = await instanceOn(first, FAST)
      const job = await settledJob(first, id)
      expect(job).toMatchObject({ status: 'succeeded', cost_micros: 272_250, key_id: first.keyId })
      expect(await queryRows(first.dbUrl, 'SELECT * FROM usage_events WHERE request_id = ?', [String(job.id)])).toHaveLength(1)
    } finally {
      await second?.stop(2_000)
      await first.stop()
    }
  })

  test('two instances on one database: one holds the lease and polls, each job slot is polled once, the job is billed once', async () => {
    const a = await coreFor({ providers: { byteplus: upstream.url }, storeRows: true, config: { jobs: FAST } })
    const b = await instanceOn(a, FAST)
    try {
      account.script([{ status: 'queued' }, { status: 'running' }, { status: 'running' }, { status: 'running' }, SUCCEEDED])
      const bFetch = (path: string, init: RequestInit) => b.handle(new Request(new URL(path, GATEWAY_ORIGIN).href, init))
      const id = await submitSeedance(a, bFetch)
      const job = await settledJob(a, id)
      expect(job).toMatchObject({ status: 'succeeded', cost_micros: 272_250 })
      const statsA = a.core.jobPoller!.stats
      const statsB = b.jobPoller!.stats
      // Exactly the polls the scripted task needed, all from the lease holder.
      expect(account.polls(id)).toBe(5)
      expect(statsA.polls + statsB.polls).toBe(5)
      expect([statsA.polls, statsB.polls].filter((n) => n > 0)).toHaveLength(1)
      expect(Number(job.poll_attempts)).toBe(5)
      const leases = await queryRows(a.dbUrl, 'SELECT * FROM leases')
      expect(leases).toHaveLength(1)
      expect(await queryRows(a.dbUrl, 'SELECT * FROM usage_events WHERE request_id = ?', [String(job.id)])).toHaveLength(1)
    } finally {
      await b.stop(2_000)
      await a.stop()
    }
  })
})
