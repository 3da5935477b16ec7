// What people see of the jobs ledger: the admin API (filters, paging, one job), the CLI, a key's own jobs, and the Prometheus series.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createClient } from '@libsql/client'
import { jobForKey, jobsForKey } from '../../src/jobs/jobs-service.ts'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeTaskAccount, type FakeTaskAccount } from '../support/fake-task-apis.ts'
import { runCli } from '../support/spawn-cli.ts'
import { coreFor, type TestCore } from '../support/test-core.ts'
import { queryRows } from '../support/usage-rows.ts'
import { waitFor } from '../support/wait-for.ts'

let account: FakeTaskAccount
let upstream: FakeUpstream
let gw: TestCore
let other: { id: string; key: string }
let orgB: { id: string; key: string; keyId: string }
/** Our ids of the jobs made in beforeAll, by role. */
const ids = { done: '', running: '', others: '', orgB: '' }

const call = (key: string, method: string, path: string, body?: unknown) =>
  gw.fetch(path, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })

async function submit(key: string, name: keyof typeof ids, steps: Parameters<FakeTaskAccount['script']>[0]): Promise<string> {
  account.script(steps)
  const { id } = (await (await call(key, 'POST', '/byteplus/api/v3/contents/generations/tasks', { model: 'seedance-1-0-pro', content: [], resolution: '720p' })).json()) as { id: string }
  const row = await waitFor('job row', async () => (await queryRows(gw.dbUrl, 'SELECT id FROM jobs WHERE provider_job_id = ?', [id]))[0])
  ids[name] = String(row.id)
  return id
}

beforeAll(async () => {
  account = fakeTaskAccount()
  upstream = startFakeUpstream(account.handler)
  gw = await coreFor({ providers: { byteplus: upstream.url }, storeRows: true, config: { jobs: { poller: false, pollIntervalMs: 30_000, pollMaxIntervalMs: 600_000 } } })
  other = await gw.createKey({ name: 'other' })
  await gw.admin('POST', '/orgs', { name: 'org-b' })
  const b = (await (await gw.admin('POST', '/keys', { org: 'org-b', name: 'b' })).json()) as { id: string; key: string; org_id: string }
  orgB = { id: b.org_id, key: b.key, keyId: b.id }
  const done = await submit(gw.key, 'done', [{ status: 'succeeded', usage: { completion_tokens: 108_900 } }])
  expect((await call(gw.key, 'GET', `/byteplus/api/v3/contents/generations/tasks/${done}`)).status).toBe(200)
  await waitFor('settled', async () => (await queryRows(gw.dbUrl, 'SELECT id FROM jobs WHERE provider_job_id = ? AND settled_at IS NOT NULL', [done]))[0])
  await submit(gw.key, 'running', [{ status: 'running' }])
  await submit(other.key, 'others', [{ status: 'running' }])
  await submit(orgB.key, 'orgB', [{ status: 'running' }])
})

afterAll(async () => {
  await gw?.stop()
  upstream?.stop()
})

type Page = { data: { id: string; status: string; key_id: string; org_id: string; cost_usd: number | null; settled: boolean }[]; next_cursor: string | null }
const adminJobs = async (query: string) => {
  const response = await gw.admin('GET', `/jobs${query}`)
  expect(response.status).toBe(200)
  return (await response.json()) as Page
}

describe('admin API', () => {
  test('lists every job newest first, filtered by org, key, status and provider', async () => {
    expect((await adminJobs('')).data.map((j) => j.id)).toEqual([ids.orgB, ids.others, ids.running, ids.done])
    expect((await adminJobs('?org=org-b')).data.map((j) => j.id)).toEqual([ids.orgB])
    expect((await adminJobs(`?org=test-org&key=other`)).data.map((j) => j.id)).toEqual([ids.others])
    expect((await adminJobs('?status=succeeded')).data).toMatchObject([{ id: ids.done, status: 'succeeded', cost_usd: 0.27225, settled: true }])
    // Never polled since their submit: still queued.
    expect((await adminJobs('?provider=byteplus&status=queued')).data).toHaveLength(3)
    expect((await adminJobs('?provider=byteplus&org=org-b')).data.map((j) => j.id)).toEqual([ids.orgB])
  })

  test('pages with a cursor, and refuses a bad filter', async () => {
    const first = await adminJobs('?limit=3')
    expect(first.data.map((j) => j.id)).toEqual([ids.orgB, ids.others, ids.running])
    const second = await adminJobs(`?limit=3&cursor=${first.next_cursor}`)
    expect(second).toEqual({ data: [expect.objectContaining({ id: ids.done })], next_cursor: null })
    expect((await gw.admin('GET', '/jobs?status=done')).status).toBe(400)
    expect((await gw.admin('GET', '/jobs?cursor=nonsense')).status).toBe(400)
    expect((await gw.admin('GET', '/jobs?provider=nope')).status).toBe(400)
  })

  test('shows one job with its cost, how it was created and how it is followed', async () => {
    const response = await gw.admin('GET', `/jobs/${ids.done}`)
    expect(response.status).toBe(200)
    const job = (await response.json()) as Record<string, unknown>
    expect(job).toMatchObject({ id: ids.done, provider: 'byteplus', key_id: gw.keyId, org_id: gw.orgId, status: 'succeeded', cost_usd: 0.27225, cost_status: 'priced', params: { resolution: '720p' }, usage: { completion_tokens: 108_900 }, upstream_base: upstream.url })
    expect(String(job.credential_ref)).not.toContain('sk-')
    expect((await gw.admin('GET', '/jobs/job_missing')).status).toBe(404)
  })
})

describe('a key holder sees its own jobs only (jobsForKey, for GET /v1/jobs)', () => {
  test('its jobs, newest first; another key gets nothing of them', async () => {
    const client = createClient({ url: gw.dbUrl })
    try {
      const mine = await jobsForKey(client, gw.keyId)
      expect(mine.data.map((j) => j.id)).toEqual([ids.running, ids.done])
      expect(mine.data[1]).toMatchObject({ status: 'succeeded', cost_usd: 0.27225, settled: true })
      expect(Object.keys(mine.data[0]!)).not.toContain('upstream_base')
      expect((await jobsForKey(client, gw.keyId, { status: 'queued' })).data.map((j) => j.id)).toEqual([ids.running])
      expect((await jobsForKey(client, orgB.keyId)).data.map((j) => j.id)).toEqual([ids.orgB])
      expect(await jobForKey(client, gw.keyId, ids.done)).toMatchObject({ id: ids.done })
      expect(await jobForKey(client, orgB.keyId, ids.done)).toBeUndefined()
    } finally {
      client.close()
    }
  })
})

describe('GET /v1/jobs and /v1/jobs/{id} for key holders', () => {
  test('a key lists and reads its own jobs with status and cost; another key and another org see none of them', async () => {
    const mine = (await (await call(gw.key, 'GET', '/v1/jobs')).json()) as Page & { object: string }
    expect(mine.object).toBe('list')
    expect(mine.data.map((job) => job.id)).toEqual([ids.running, ids.done])
    const done = (await (await call(gw.key, 'GET', '/v1/jobs?status=succeeded')).json()) as Page
    expect(done.data).toMatchObject([{ id: ids.done, status: 'succeeded', cost_usd: 0.27225 }])
    const one = await call(gw.key, 'GET', `/v1/jobs/${ids.done}`)
    expect(one.status).toBe(200)
    expect(await one.json()).toMatchObject({ id: ids.done, status: 'succeeded' })
    // Another key of the same org, and a key of another org: their own jobs only, and a 404 for this key's.
    expect(((await (await call(other.key, 'GET', '/v1/jobs')).json()) as Page).data.map((job) => job.id)).toEqual([ids.others])
    expect(((await (await call(orgB.key, 'GET', '/v1/jobs')).json()) as Page).data.map((job) => job.id)).toEqual([ids.orgB])
    for (const key of [other.key, orgB.key]) {
      const refused = await call(key, 'GET', `/v1/jobs/${ids.done}`)
      expect(refused.status).toBe(404)
      expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('No job')
    }
  })

  test('a bad filter is a 400 in OpenAI\'s shape; no key is a 401', async () => {
    const bad = await call(gw.key, 'GET', '/v1/jobs?status=sleeping')
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error')
    expect((await call(gw.key, 'GET', '/v1/jobs?limit=0')).status).toBe(400)
    expect((await gw.fetch('/v1/jobs')).status).toBe(401)
  })
})

describe('CLI', () => {
  test('jobs list [--status] [--org] and jobs show', async () => {
    const env = { SOCIARO_DATABASE_URL: gw.dbUrl }
    const all = await runCli(['jobs', 'list'], env)
    expect(all.code).toBe(0)
    for (const id of Object.values(ids)) expect(all.stdout).toContain(id)
    const running = await runCli(['jobs', 'list', '--status', 'queued', '--org', 'test-org', '--json'], env)
    expect((JSON.parse(running.stdout) as Page).data.map((j) => j.id)).toEqual([ids.others, ids.running])
    const shown = await runCli(['jobs', 'show', ids.done], env)
    expect(shown.code).toBe(0)
    expect(shown.stdout).toContain('succeeded')
    expect(shown.stdout).toContain('0.27225')
    expect((await runCli(['jobs', 'list', '--status', 'nope'], env)).code).toBe(2)
    expect((await runCli(['jobs', 'show', 'job_missing'], env)).code).toBe(1)
  })
})

test('Prometheus: jobs by provider and status, poll counters, time to completion', async () => {
  const text = await waitFor('job counts', async () => {
    const body = await (await gw.fetch('/metrics')).text()
    return body.includes('sociaro_jobs{provider="byteplus",status="queued"} 3') ? body : undefined
  })
  expect(text).toContain('sociaro_jobs{provider="byteplus",status="succeeded"} 1')
  // No background poller here: the counters are declared, with no provider's series yet.
  expect(text).toContain('# TYPE sociaro_job_poll_errors_total counter')
  expect(text).not.toContain('sociaro_job_poll_errors_total{')
  expect(text).toMatch(/sociaro_job_completion_seconds_count\{provider="byteplus",status="billed"\} 1/)
})
