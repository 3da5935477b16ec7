// Both SDKs' jobs methods (list with status filter and cursor pages, retrieve) against a real gateway holding jobs of two keys (BytePlus tasks on a fake account).
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { join } from 'node:path'
import { BadRequestError, NotFoundError, Sociaro, SociaroError, type Job } from '../../sdk/typescript/src/index.ts'
import { caught } from '../support/caught.ts'
import { fakeTaskAccount, type FakeTaskAccount } from '../support/fake-task-apis.ts'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'
import { queryRows } from '../support/usage-rows.ts'
import { waitFor } from '../support/wait-for.ts'

let account: FakeTaskAccount
let upstream: FakeUpstream
let gw: TestGateway
let other: { id: string; key: string }
/** This key's job ids, newest first; its one succeeded job; another key's job. */
const jobs = { mine: [] as string[], succeeded: '', foreign: '' }

async function submit(key: string, steps: Parameters<FakeTaskAccount['script']>[0]): Promise<{ taskId: string; jobId: string }> {
  account.script(steps)
  const response = await fetch(`${gw.url}/byteplus/api/v3/contents/generations/tasks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'seedance-1-0-pro', content: [], resolution: '720p' }),
  })
  const { id } = (await response.json()) as { id: string }
  const row = await waitFor('job row', async () => (await queryRows(gw.dbUrl, 'SELECT id FROM jobs WHERE provider_job_id = ?', [id]))[0])
  // Distinct creation times: the list is newest first by time.
  await Bun.sleep(5)
  return { taskId: id, jobId: String(row.id) }
}

beforeAll(async () => {
  account = fakeTaskAccount()
  upstream = startFakeUpstream(account.handler)
  gw = await startTestGateway({ upstreams: { byteplus: upstream.url }, env: { SOCIARO_JOB_POLLER: 'false' } })
  other = await gw.createKey({ name: 'other' })
  const done = await submit(gw.key, [{ status: 'succeeded', usage: { completion_tokens: 108_900 } }])
  // The client's own poll reads the final answer: the job settles.
  await fetch(`${gw.url}/byteplus/api/v3/contents/generations/tasks/${done.taskId}`, { headers: { authorization: `Bearer ${gw.key}` } })
  await waitFor('settled', async () => (await queryRows(gw.dbUrl, 'SELECT id FROM jobs WHERE id = ? AND settled_at IS NOT NULL', [done.jobId]))[0])
  const running = await submit(gw.key, [{ status: 'running' }])
  const queued = await submit(gw.key, [{ status: 'queued' }])
  jobs.mine = [queued.jobId, running.jobId, done.jobId]
  jobs.succeeded = done.jobId
  jobs.foreign = (await submit(other.key, [{ status: 'running' }])).jobId
}, 60_000)

afterAll(async () => {
  await gw?.stop()
  upstream?.stop()
})

test('TypeScript: jobs.list newest first with typed fields, the status filter, cursor pages, listAll and retrieve; another key\'s job is a 404', async () => {
  const client = new Sociaro({ apiKey: gw.key, baseURL: gw.url, maxRetries: 0 })
  const page = await client.jobs.list()
  expect(page.object).toBe('list')
  expect(page.data.map((job) => job.id)).toEqual(jobs.mine)
  expect(page.next_cursor).toBeNull()
  expect(page._request_id).toBeTruthy()
  const first: Job = page.data[0]!
  expect(first).toMatchObject({ provider: 'byteplus', model: 'seedance-1-0-pro', settled: false, cost_usd: null })
  expect(Object.keys(first)).not.toContain('upstream_base')

  const done = await client.jobs.list({ status: 'succeeded' })
  expect(done.data.map((job) => job.id)).toEqual([jobs.succeeded])
  expect(done.data[0]).toMatchObject({ status: 'succeeded', settled: true, cost_status: 'priced' })
  expect(done.data[0]!.cost_usd).toBeGreaterThan(0)
  expect((await client.jobs.list({ status: 'failed' })).data).toEqual([])

  const one = await client.jobs.list({ limit: 1 })
  expect(one.data.map((job) => job.id)).toEqual(jobs.mine.slice(0, 1))
  const two = await client.jobs.list({ limit: 1, cursor: one.next_cursor! })
  expect(two.data.map((job) => job.id)).toEqual(jobs.mine.slice(1, 2))
  const all: string[] = []
  for await (const job of client.jobs.listAll({ limit: 1 })) all.push(job.id)
  expect(all).toEqual(jobs.mine)
  expect(await caught(client.jobs.list({ cursor: 'not-a-cursor' }))).toBeInstanceOf(BadRequestError)

  const job = await client.jobs.retrieve(jobs.succeeded)
  expect([job.id, job.status, job.kind]).toEqual([jobs.succeeded, 'succeeded', done.data[0]!.kind])
  const foreign = await caught(client.jobs.retrieve(jobs.foreign))
  expect(foreign).toBeInstanceOf(NotFoundError)
  expect(foreign.message).toContain('No job')
  // The other key sees its own job only.
  const theirs = await new Sociaro({ apiKey: other.key, baseURL: gw.url, maxRetries: 0 }).jobs.list()
  expect(theirs.data.map((j) => j.id)).toEqual([jobs.foreign])

  // Arguments the gateway would refuse are refused before any request.
  for (const bad of [client.jobs.list({ status: 'sleeping' as never }), client.jobs.list({ limit: 0 }), client.jobs.retrieve('../admin')]) {
    expect(await caught(bad)).toBeInstanceOf(SociaroError)
  }
})

test('Python: the jobs suite (sdk/python/tests/test_jobs.py) against the same gateway', async () => {
  const python = Bun.which('python3')
  if (!python) throw new Error('python3 is needed for the Python SDK tests (make test runs them too)')
  const child = Bun.spawn([python, '-m', 'unittest', 'discover', '-s', 'tests', '-t', '.', '-p', 'test_jobs.py', '-v'], {
    cwd: join(import.meta.dir, '../../sdk/python'),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PYTHONDONTWRITEBYTECODE: '1',
      SOCIARO_TEST_GATEWAY_URL: gw.url,
      SOCIARO_TEST_API_KEY: gw.key,
      SOCIARO_TEST_JOBS: JSON.stringify(jobs),
    },
    stdout: 'pipe',
    stderr: 'pipe',
    timeout: 60_000,
  })
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  const report = stdout + stderr
  expect(report).toMatch(/^OK$/m)
  expect(report).not.toContain('skipped')
  expect(code).toBe(0)
  expect(Number(/^Ran (\d+) tests?/m.exec(report)?.[1])).toBe(6)
}, 90_000)
