// Over a real socket with the metering worker thread: a job polled by the client is settled by the worker, once, and budgets hear of it.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeTaskAccount, type FakeTaskAccount } from '../support/fake-task-apis.ts'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'
import { queryRows } from '../support/usage-rows.ts'
import { waitFor } from '../support/wait-for.ts'

let account: FakeTaskAccount
let upstream: FakeUpstream
let gw: TestGateway

beforeAll(async () => {
  account = fakeTaskAccount()
  upstream = startFakeUpstream(account.handler)
  gw = await startTestGateway({ upstreams: { byteplus: upstream.url }, env: { SOCIARO_JOB_POLLER: 'false' } })
})
afterAll(async () => {
  await gw?.stop()
  upstream?.stop()
})

test('the metering worker settles a Seedance task once, however many client polls see it succeeded', async () => {
  account.script([{ status: 'running' }, { status: 'succeeded', usage: { completion_tokens: 108_900, total_tokens: 108_900 } }])
  const headers = { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' }
  const created = await fetch(`${gw.url}/byteplus/api/v3/contents/generations/tasks`, { method: 'POST', headers, body: JSON.stringify({ model: 'seedance-1-0-pro', content: [] }) })
  const { id } = (await created.json()) as { id: string }
  await waitFor('job row', async () => (await queryRows(gw.dbUrl, 'SELECT id FROM jobs WHERE provider_job_id = ?', [id]))[0])
  for (let i = 0; i < 4; i++) expect((await fetch(`${gw.url}/byteplus/api/v3/contents/generations/tasks/${id}`, { headers })).status).toBe(200)
  const job = await waitFor('settled', async () => (await queryRows(gw.dbUrl, 'SELECT * FROM jobs WHERE provider_job_id = ? AND settled_at IS NOT NULL', [id]))[0])
  expect(job).toMatchObject({ cost_micros: 272_250, cost_status: 'priced', key_id: gw.keyId })
  // The four polls' own rows are all $0; the job's row is the one charge.
  await waitFor('poll rows', async () => ((await queryRows(gw.dbUrl, "SELECT * FROM usage_events WHERE method = 'GET' AND provider = 'byteplus'")).length === 4 ? true : undefined))
  const charged = await queryRows(gw.dbUrl, "SELECT request_id FROM usage_events WHERE provider = 'byteplus' AND (cost_micros IS NULL OR cost_micros > 0)")
  expect(charged.map((r) => r.request_id)).toEqual([job.id])
  // The admin usage totals count it once.
  const usage = (await (await gw.admin('GET', `/usage?org=${gw.orgId}`)).json()) as Record<string, unknown>
  expect(JSON.stringify(usage)).toContain('272250')
})

test("with the worker thread, the poller's lease and slot claims are written by the worker, and it settles a job nobody polls", async () => {
  const polled = await startTestGateway({ upstreams: { byteplus: upstream.url }, env: { SOCIARO_JOB_POLL_INTERVAL_MS: '40', SOCIARO_JOB_POLL_MAX_INTERVAL_MS: '160' } })
  try {
    account.script([{ status: 'queued' }, { status: 'succeeded', usage: { completion_tokens: 108_900, total_tokens: 108_900 } }])
    const created = await fetch(`${polled.url}/byteplus/api/v3/contents/generations/tasks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${polled.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'seedance-1-0-pro', content: [] }),
    })
    const { id } = (await created.json()) as { id: string }
    const job = await waitFor('settled', async () => (await queryRows(polled.dbUrl, 'SELECT * FROM jobs WHERE provider_job_id = ? AND settled_at IS NOT NULL', [id]))[0])
    expect(job).toMatchObject({ cost_micros: 272_250, poll_attempts: 2 })
    expect((await queryRows(polled.dbUrl, 'SELECT holder FROM leases')).length).toBe(1)
    expect(account.polls(id)).toBe(2)
  } finally {
    await polled.stop()
  }
})
