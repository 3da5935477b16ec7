// Budgets and async jobs: a submit reserves the most its job can cost and is refused when that does not fit; the job's end settles it, across a restart too.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createGatewayCore, type GatewayCore } from '../../src/gateway-core.ts'
import { silentLogger } from '../../src/log.ts'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeTaskAccount, type FakeTaskAccount } from '../support/fake-task-apis.ts'
import { memoryMeter } from '../support/memory-meter.ts'
import { ADMIN_TOKEN } from '../support/test-gateway.ts'
import { coreFor, GATEWAY_ORIGIN, type TestCore } from '../support/test-core.ts'
import { queryRows } from '../support/usage-rows.ts'
import { waitFor } from '../support/wait-for.ts'

let account: FakeTaskAccount
let upstream: FakeUpstream

beforeAll(() => {
  account = fakeTaskAccount()
  upstream = startFakeUpstream(account.handler)
})
afterAll(() => upstream?.stop())

const NO_POLLER = { poller: false, pollIntervalMs: 30_000, pollMaxIntervalMs: 600_000 }
/** 720p for 5 s: a bound of 1280 × 720 × 24 × 5 × 1.1 / 1024 = 118,800 tokens at $2.50 per million. */
const RESERVED_MICROS = 297_000
const SEEDANCE = { model: 'seedance-1-0-pro', content: [{ type: 'text', text: 'a cat' }], resolution: '720p', duration: 5 }
const SUCCEEDED = { status: 'succeeded', usage: { completion_tokens: 108_900, total_tokens: 108_900 } }

type Handle = (path: string, init?: RequestInit) => Promise<Response>
const handleOf = (core: GatewayCore): Handle => (path, init) => core.handle(new Request(new URL(path, GATEWAY_ORIGIN).href, init))

async function budgetOf(handle: Handle, keyId: string): Promise<{ spent_usd: number; reserved_usd: number; remaining_usd: number }> {
  const response = await handle(`/admin/v1/keys/${keyId}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
  return ((await response.json()) as { budget: { spent_usd: number; reserved_usd: number; remaining_usd: number } }).budget
}

const submit = (handle: Handle, key: string) =>
  handle('/byteplus/api/v3/contents/generations/tasks', { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(SEEDANCE) })
const pollTask = (handle: Handle, key: string, id: string) => handle(`/byteplus/api/v3/contents/generations/tasks/${id}`, { headers: { authorization: `Bearer ${key}` } })

describe('one instance', () => {
  let gw: TestCore
  beforeAll(async () => {
    gw = await coreFor({ providers: { byteplus: upstream.url }, storeRows: true, config: { jobs: NO_POLLER } })
  })
  afterAll(() => gw?.stop())

  test('the submit reserves the most the job can cost; its end replaces that with what it cost', async () => {
    const { key, id: keyId } = await gw.createKey({ budget_usd: 1, budget_period: 'total' })
    account.script([{ status: 'running' }, SUCCEEDED])
    const created = await submit(gw.fetch, key)
    expect(created.status).toBe(200)
    const { id } = (await created.json()) as { id: string }
    const job = await waitFor('job row', async () => (await queryRows(gw.dbUrl, 'SELECT * FROM jobs WHERE provider_job_id = ?', [id]))[0])
    expect(job.reserved_micros).toBe(RESERVED_MICROS)
    // The submit's own $0 row has settled by now, and the reservation is still held for the job.
    await gw.meter.idle()
    expect(await budgetOf(gw.fetch, keyId)).toMatchObject({ spent_usd: 0, reserved_usd: RESERVED_MICROS / 1e6 })
    expect((await pollTask(gw.fetch, key, id)).status).toBe(200)
    expect((await budgetOf(gw.fetch, keyId)).reserved_usd).toBe(RESERVED_MICROS / 1e6)
    expect((await pollTask(gw.fetch, key, id)).status).toBe(200)
    await waitFor('settled', async () => ((await budgetOf(gw.fetch, keyId)).spent_usd > 0 ? true : undefined))
    expect(await budgetOf(gw.fetch, keyId)).toMatchObject({ spent_usd: 0.27225, reserved_usd: 0 })
  })

  test('a submit whose bound does not fit the budget is refused, with no upstream call', async () => {
    const { key } = await gw.createKey({ budget_usd: 0.2, budget_period: 'total' })
    const before = upstream.requests.length
    const refused = await submit(gw.fetch, key)
    // The gateway's budget refusal in BytePlus's own shape: a 429 with its spend-limit code.
    expect(refused.status).toBe(429)
    const error = ((await refused.json()) as { error: { code: string; message: string } }).error
    expect(error.code).toBe('SetLimitExceeded')
    expect(error.message).toContain('exhausted')
    expect(upstream.requests.length).toBe(before)
  })

  test('a failed job frees its whole reservation', async () => {
    const { key, id: keyId } = await gw.createKey({ budget_usd: 1, budget_period: 'total' })
    account.script([{ status: 'failed' }])
    const { id } = (await (await submit(gw.fetch, key)).json()) as { id: string }
    await waitFor('job row', async () => (await queryRows(gw.dbUrl, 'SELECT * FROM jobs WHERE provider_job_id = ?', [id]))[0])
    expect((await pollTask(gw.fetch, key, id)).status).toBe(200)
    await waitFor('released', async () => ((await budgetOf(gw.fetch, keyId)).reserved_usd === 0 ? true : undefined))
    expect(await budgetOf(gw.fetch, keyId)).toMatchObject({ spent_usd: 0, reserved_usd: 0, remaining_usd: 1 })
  })
})

test('after a restart the running job still holds its reservation, and its end settles it', async () => {
  const first = await coreFor({ providers: { byteplus: upstream.url }, storeRows: true, config: { jobs: NO_POLLER } })
  let second: GatewayCore | undefined
  try {
    const { key, id: keyId } = await first.createKey({ budget_usd: 1, budget_period: 'total' })
    account.script([{ status: 'running' }, SUCCEEDED])
    const { id } = (await (await submit(first.fetch, key)).json()) as { id: string }
    await waitFor('job row', async () => (await queryRows(first.dbUrl, 'SELECT * FROM jobs WHERE provider_job_id = ?', [id]))[0])
    await first.core.stop(2_000)
    second = await createGatewayCore({ ...first.config, jobs: NO_POLLER }, { log: silentLogger, meter: memoryMeter({ store: true }).start, accessLogSink: { write: () => true, onDrain: () => {} } })
    const handle = handleOf(second)
    expect(await budgetOf(handle, keyId)).toMatchObject({ spent_usd: 0, reserved_usd: RESERVED_MICROS / 1e6 })
    expect((await pollTask(handle, key, id)).status).toBe(200)
    expect((await pollTask(handle, key, id)).status).toBe(200)
    await waitFor('settled', async () => ((await budgetOf(handle, keyId)).spent_usd > 0 ? true : undefined))
    expect(await budgetOf(handle, keyId)).toMatchObject({ spent_usd: 0.27225, reserved_usd: 0 })
  } finally {
    await second?.stop(2_000)
    await first.stop()
  }
})
