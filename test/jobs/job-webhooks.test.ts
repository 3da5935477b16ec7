// Job webhooks: one signed delivery per settled job to its own org's URL only, retried after failures, never redirected.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeTaskAccount, type FakeTaskAccount } from '../support/fake-task-apis.ts'
import { createGatewayCore } from '../../src/gateway-core.ts'
import { silentLogger } from '../../src/log.ts'
import { memoryMeter } from '../support/memory-meter.ts'
import { coreFor, type TestCore } from '../support/test-core.ts'
import { queryRows } from '../support/usage-rows.ts'
import { waitFor } from '../support/wait-for.ts'
import { runCli } from '../support/spawn-cli.ts'

/** A webhook receiver on 127.0.0.1 that checks each delivery as a client would, answering scripted statuses. */
interface Receiver {
  readonly url: string
  readonly deliveries: { readonly body: string; readonly timestamp: string | null; readonly signature: string | null; readonly validSignature: boolean }[]
  /** Statuses for the next deliveries in order (then 200). */
  answer(statuses: number[]): void
  /** Answer every delivery with a redirect to `location`. */
  redirectTo(location: string): void
  stop(): void
}

function startReceiver(secret: string): Receiver {
  const deliveries: Receiver['deliveries'] = []
  let statuses: number[] = []
  let redirect: string | undefined
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const body = await request.text()
      const timestamp = request.headers.get('x-sociaro-timestamp')
      const signature = request.headers.get('x-sociaro-signature')
      const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`)
      const validSignature = signature !== null && Buffer.from(signature).length === expected.length && timingSafeEqual(Buffer.from(signature), expected)
      deliveries.push({ body, timestamp, signature, validSignature })
      if (redirect) return new Response(null, { status: 302, headers: { location: redirect } })
      return new Response('ok', { status: statuses.shift() ?? 200 })
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}/hooks/jobs`,
    deliveries,
    answer: (next) => (statuses = [...next]),
    redirectTo: (location) => (redirect = location),
    stop: () => server.stop(true),
  }
}

const SUCCEEDED = { status: 'succeeded', usage: { completion_tokens: 108_900, total_tokens: 108_900 } }
/** Receivers here listen on 127.0.0.1: loopback is allowed, as a developer would (SOCIARO_WEBHOOK_ALLOW_LOOPBACK=true). */
const FAST = { poller: true, pollIntervalMs: 40, pollMaxIntervalMs: 160, webhookRetryMs: 30, webhookAttempts: 4, webhookEgress: { allowLoopback: true, allowCidrs: [] } }
/** No DNS in tests: names resolve from this table (the gateway's resolver option). */
const hosts = new Map<string, string[]>([['example.com', ['93.184.215.14']]])
const resolveHost = async (host: string) => {
  const addresses = hosts.get(host)
  if (!addresses) throw new Error(`ENOTFOUND ${host}`)
  return addresses.map((address) => ({ address, family: address.includes(':') ? (6 as const) : (4 as const) }))
}

let account: FakeTaskAccount
let upstream: FakeUpstream
let gw: TestCore
let counter = 0

beforeAll(async () => {
  account = fakeTaskAccount()
  upstream = startFakeUpstream(account.handler)
  gw = await coreFor({ providers: { byteplus: upstream.url }, storeRows: true, config: { jobs: FAST }, options: { resolveHost } })
})
afterAll(async () => {
  await gw?.stop()
  upstream?.stop()
})

/** A fresh org with a key, and (when given) its webhook. */
async function orgWith(webhook?: { url: string; secret: string }): Promise<{ id: string; key: string }> {
  const name = `org-${++counter}`
  const created = await gw.admin('POST', '/orgs', { name })
  expect(created.status).toBe(201)
  const org = (await created.json()) as { id: string }
  if (webhook) expect((await gw.admin('PUT', `/orgs/${org.id}/webhook`, webhook)).status).toBe(200)
  const { key } = await gw.createKey({ org: name })
  return { id: org.id, key }
}

async function submit(key: string): Promise<string> {
  const created = await gw.fetch('/byteplus/api/v3/contents/generations/tasks', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'seedance-1-0-pro', content: [{ type: 'text', text: 'a cat' }] }),
  })
  expect(created.status).toBe(200)
  return ((await created.json()) as { id: string }).id
}

const settled = (providerJobId: string) =>
  waitFor(`job ${providerJobId} settled`, async () => (await queryRows(gw.dbUrl, 'SELECT * FROM jobs WHERE provider_job_id = ? AND settled_at IS NOT NULL', [providerJobId]))[0])
/** One unlabelled series of /metrics, read now. */
async function metric(name: string): Promise<number> {
  const text = await (await gw.fetch('/metrics')).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  if (!line) throw new Error(`no ${name} in /metrics`)
  return Number(line.slice(name.length + 1))
}
const outbox = (jobId: string) => queryRows(gw.dbUrl, 'SELECT * FROM job_webhooks WHERE job_id = ?', [jobId])
const finished = (jobId: string) =>
  waitFor(`webhook of ${jobId} finished`, async () => (await queryRows(gw.dbUrl, 'SELECT * FROM job_webhooks WHERE job_id = ? AND next_attempt_at IS NULL', [jobId]))[0])

describe('job webhooks', () => {
  const receivers: Receiver[] = []
  const receiver = (secret: string) => {
    const made = startReceiver(secret)
    receivers.push(made)
    return made
  }
  afterAll(() => receivers.forEach((r) => r.stop()))

  test('a settled job is delivered once, signed over "<timestamp>.<body>", with its view; another org never sees it', async () => {
    const secret = 'whsec-alpha-0123456789abcdef'
    const mine = receiver(secret)
    const theirs = receiver('whsec-other-0123456789abcdef')
    const org = await orgWith({ url: mine.url, secret })
    await orgWith({ url: theirs.url, secret: 'whsec-other-0123456789abcdef' })
    account.script([{ status: 'running' }, SUCCEEDED])
    const id = await submit(org.key)
    const job = await settled(id)
    // The client polls the ended job several times too, and the poller ran: still one announcement.
    for (let i = 0; i < 4; i++) {
      const polled = await gw.fetch(`/byteplus/api/v3/contents/generations/tasks/${id}`, { headers: { authorization: `Bearer ${org.key}` } })
      expect(polled.status).toBe(200)
      await polled.arrayBuffer()
    }
    const row = await finished(String(job.id))
    await Bun.sleep(300)
    expect(mine.deliveries).toHaveLength(1)
    expect(theirs.deliveries).toHaveLength(0)
    const delivery = mine.deliveries[0]!
    expect(delivery.validSignature).toBe(true)
    expect(delivery.signature).toMatch(/^sha256=[0-9a-f]{64}$/)
    expect(Math.abs(Number(delivery.timestamp) - Date.now() / 1000)).toBeLessThan(60)
    const body = JSON.parse(delivery.body) as { type: string; job: Record<string, unknown> }
    expect(body.type).toBe('job.settled')
    expect(body.job).toMatchObject({ id: job.id, provider: 'byteplus', provider_job_id: id, org_id: org.id, status: 'succeeded', cost_usd: 0.27225, cost_status: 'priced', settled: true })
    expect(body.job.finished_at).toBe(new Date(Number(job.finished_at)).toISOString())
    expect(body.job).not.toHaveProperty('credential_ref')
    expect(body.job).not.toHaveProperty('key_id')
    expect(row).toMatchObject({ attempts: 1, last_result: 'HTTP 200', gave_up_at: null })
    expect(row.delivered_at).not.toBeNull()
  })

  test('500s are retried with backoff, the same signed bytes each time, until one succeeds', async () => {
    const before = { delivered: await metric('sociaro_job_webhooks_delivered_total'), failed: await metric('sociaro_job_webhook_failed_attempts_total') }
    const secret = 'whsec-retry-0123456789abcdef'
    const flaky = receiver(secret)
    flaky.answer([500, 500])
    const org = await orgWith({ url: flaky.url, secret })
    account.script([SUCCEEDED])
    const job = await settled(await submit(org.key))
    const row = await finished(String(job.id))
    expect(row).toMatchObject({ attempts: 3, last_result: 'HTTP 200', gave_up_at: null })
    expect(flaky.deliveries).toHaveLength(3)
    expect(new Set(flaky.deliveries.map((d) => d.body)).size).toBe(1)
    expect(flaky.deliveries.every((d) => d.validSignature)).toBe(true)
    // Prometheus counts them: two failed attempts, then one delivery.
    expect(await metric('sociaro_job_webhook_failed_attempts_total')).toBe(before.failed + 2)
    expect(await metric('sociaro_job_webhooks_delivered_total')).toBe(before.delivered + 1)
  })

  test('a redirect is not followed: the attempt failed, retried to the configured URL only, then given up and recorded', async () => {
    const secret = 'whsec-redir-0123456789abcdef'
    const target = receiver(secret)
    const redirector = receiver(secret)
    redirector.redirectTo(target.url)
    const org = await orgWith({ url: redirector.url, secret })
    account.script([SUCCEEDED])
    const job = await settled(await submit(org.key))
    const row = await finished(String(job.id))
    expect(row).toMatchObject({ attempts: FAST.webhookAttempts, last_result: 'HTTP 302', delivered_at: null })
    expect(row.gave_up_at).not.toBeNull()
    expect(redirector.deliveries).toHaveLength(FAST.webhookAttempts)
    expect(target.deliveries).toHaveLength(0)
  })

  test('an org without a webhook gets no outbox row and nothing is sent', async () => {
    const watcher = receiver('whsec-watch-0123456789abcdef')
    const org = await orgWith()
    account.script([SUCCEEDED])
    const job = await settled(await submit(org.key))
    await Bun.sleep(300)
    expect(await outbox(String(job.id))).toHaveLength(0)
    expect(watcher.deliveries).toHaveLength(0)
  })
})

describe('redelivery and the delivery list', () => {
  const receivers: Receiver[] = []
  const receiver = (secret: string) => {
    const made = startReceiver(secret)
    receivers.push(made)
    return made
  }
  afterAll(() => receivers.forEach((r) => r.stop()))
  type Delivery = { job_id: string; org_id: string; state: string; attempts: number; last_result: string | null; delivered_at: string | null; gave_up_at: string | null }
  const deliveries = async (org: string, query = '') => (await (await gw.admin('GET', `/orgs/${org}/webhook/deliveries${query}`)).json()) as { data: Delivery[]; next_cursor: string | null }

  test('the admin token is required for the list and for a redelivery', async () => {
    for (const [method, path] of [['GET', `/admin/v1/orgs/${gw.orgId}/webhook/deliveries`], ['POST', `/admin/v1/orgs/${gw.orgId}/webhook/deliveries/job_x/redeliver`]] as const) {
      expect((await gw.fetch(path, { method })).status).toBe(401)
      expect((await gw.fetch(path, { method, headers: { authorization: 'Bearer not-the-token' } })).status).toBe(401)
    }
  })

  test("a delivered job is listed with its attempts; a redelivery sends its current view again, signed anew, to the org's own URL only", async () => {
    const secret = 'whsec-again-0123456789abcdef'
    const mine = receiver(secret)
    const theirs = receiver('whsec-their-0123456789abcdef')
    const org = await orgWith({ url: mine.url, secret })
    const other = await orgWith({ url: theirs.url, secret: 'whsec-their-0123456789abcdef' })
    account.script([SUCCEEDED])
    const job = await settled(await submit(org.key))
    await finished(String(job.id))
    const listed = await deliveries(org.id)
    expect(listed.data).toHaveLength(1)
    expect(listed.data[0]).toMatchObject({ job_id: job.id, org_id: org.id, state: 'delivered', attempts: 1, last_result: 'HTTP 200' })
    // Another org neither lists it nor can redeliver it: the same 404 as a job that does not exist.
    expect((await deliveries(other.id)).data.map((d) => d.job_id)).not.toContain(job.id)
    const foreign = await gw.admin('POST', `/orgs/${other.id}/webhook/deliveries/${job.id}/redeliver`)
    expect(foreign.status).toBe(404)
    const missing = await gw.admin('POST', `/orgs/${other.id}/webhook/deliveries/job_doesnotexist/redeliver`)
    expect(missing.status).toBe(404)
    expect(((await foreign.json()) as { error: { message: string } }).error.message).toBe(((await missing.json()) as { error: { message: string } }).error.message.replace('job_doesnotexist', String(job.id)))

    const again = await gw.admin('POST', `/orgs/${org.id}/webhook/deliveries/${job.id}/redeliver`)
    expect(again.status).toBe(202)
    expect(await again.json()).toMatchObject({ job_id: job.id, state: 'pending', attempts: 0 })
    await waitFor('the second delivery', async () => (mine.deliveries.length >= 2 ? true : undefined))
    await finished(String(job.id))
    await Bun.sleep(200)
    expect(mine.deliveries).toHaveLength(2)
    expect(mine.deliveries.every((d) => d.validSignature)).toBe(true)
    expect(JSON.parse(mine.deliveries[1]!.body)).toMatchObject({ type: 'job.settled', job: { id: job.id, org_id: org.id } })
    expect(theirs.deliveries).toHaveLength(0)
    expect((await deliveries(org.id, '?state=delivered')).data[0]).toMatchObject({ job_id: job.id, state: 'delivered', attempts: 1 })
    expect((await deliveries(org.id, '?state=given_up')).data).toEqual([])
    expect((await gw.admin('GET', `/orgs/${org.id}/webhook/deliveries?state=lost`)).status).toBe(400)
  })

  test('a given-up delivery is redelivered once the receiver is fixed; a job not settled, or an org without a webhook, is a 409', async () => {
    const secret = 'whsec-fixed-0123456789abcdef'
    const broken = receiver(secret)
    broken.answer([500, 500, 500, 500])
    const org = await orgWith({ url: broken.url, secret })
    account.script([SUCCEEDED])
    const job = await settled(await submit(org.key))
    const row = await finished(String(job.id))
    expect(row.gave_up_at).not.toBeNull()
    expect((await deliveries(org.id, '?state=given_up')).data[0]).toMatchObject({ job_id: job.id, state: 'given_up', attempts: FAST.webhookAttempts, last_result: 'HTTP 500' })
    const fixed = receiver(secret)
    expect((await gw.admin('PUT', `/orgs/${org.id}/webhook`, { url: fixed.url, secret })).status).toBe(200)
    expect((await gw.admin('POST', `/orgs/${org.id}/webhook/deliveries/${job.id}/redeliver`)).status).toBe(202)
    const done = await waitFor('redelivered', async () => (await queryRows(gw.dbUrl, 'SELECT * FROM job_webhooks WHERE job_id = ? AND delivered_at IS NOT NULL', [String(job.id)]))[0])
    expect(done).toMatchObject({ attempts: 1, last_result: 'HTTP 200', gave_up_at: null })
    expect(fixed.deliveries).toHaveLength(1)
    expect(fixed.deliveries[0]!.validSignature).toBe(true)

    // Still running: nothing to announce yet.
    account.script([{ status: 'running' }])
    const running = await submit(org.key)
    const pending = await waitFor('job row', async () => (await queryRows(gw.dbUrl, 'SELECT id FROM jobs WHERE provider_job_id = ?', [running]))[0])
    expect((await gw.admin('POST', `/orgs/${org.id}/webhook/deliveries/${pending.id}/redeliver`)).status).toBe(409)
    // No webhook any more.
    expect((await gw.admin('DELETE', `/orgs/${org.id}/webhook`)).status).toBe(200)
    expect((await gw.admin('POST', `/orgs/${org.id}/webhook/deliveries/${job.id}/redeliver`)).status).toBe(409)
  })

  test('the CLI lists an org\'s deliveries and redelivers one (org-scoped)', async () => {
    const secret = 'whsec-cli-0123456789abcdefgh'
    const hook = receiver(secret)
    const org = await orgWith({ url: hook.url, secret })
    const other = await orgWith()
    account.script([SUCCEEDED])
    const job = await settled(await submit(org.key))
    await finished(String(job.id))
    const env = { SOCIARO_DATABASE_URL: gw.dbUrl }
    const listed = await runCli(['jobs', 'webhooks', '--org', org.id, '--json'], env)
    expect(listed.code).toBe(0)
    expect((JSON.parse(listed.stdout) as { data: Delivery[] }).data[0]).toMatchObject({ job_id: job.id, state: 'delivered', attempts: 1 })
    const text = await runCli(['jobs', 'webhooks', '--org', org.id], env)
    expect(text.stdout).toContain(String(job.id))
    expect(text.stdout).toContain('delivered')
    expect((await runCli(['jobs', 'redeliver', String(job.id)], env)).code).toBe(2)
    const wrongOrg = await runCli(['jobs', 'redeliver', String(job.id), '--org', other.id], env)
    expect(wrongOrg.code).not.toBe(0)
    expect(wrongOrg.stderr).toContain('no job')
    const again = await runCli(['jobs', 'redeliver', String(job.id), '--org', org.id], env)
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('redelivery queued')
    // The running gateway's dispatcher finds it in the outbox.
    await waitFor('the redelivery', async () => (hook.deliveries.length >= 2 ? true : undefined))
    expect(hook.deliveries.every((d) => d.validSignature)).toBe(true)
  })
})

describe('restart', () => {
  test('a delivery still owed when the gateway stops is made by the next instance, from the outbox, and only then', async () => {
    const secret = 'whsec-restart-0123456789abcdef'
    const hook = startReceiver(secret)
    // The first instance retries only after an hour: its one failed attempt leaves the delivery owed.
    const first = await coreFor({ providers: { byteplus: upstream.url }, storeRows: true, config: { jobs: { ...FAST, webhookRetryMs: 3_600_000 } } })
    try {
      expect((await first.admin('PUT', `/orgs/${first.orgId}/webhook`, { url: hook.url, secret })).status).toBe(200)
      hook.answer([500])
      account.script([SUCCEEDED])
      const created = await first.fetch('/byteplus/api/v3/contents/generations/tasks', {
        method: 'POST',
        headers: { authorization: `Bearer ${first.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'seedance-1-0-pro', content: [{ type: 'text', text: 'a cat' }] }),
      })
      const { id } = (await created.json()) as { id: string }
      const job = await waitFor('settled', async () => (await queryRows(first.dbUrl, 'SELECT * FROM jobs WHERE provider_job_id = ? AND settled_at IS NOT NULL', [id]))[0])
      const owed = await waitFor('a failed attempt', async () => (await queryRows(first.dbUrl, 'SELECT * FROM job_webhooks WHERE job_id = ? AND attempts = 1 AND last_result IS NOT NULL', [String(job.id)]))[0])
      expect(owed).toMatchObject({ last_result: 'HTTP 500', delivered_at: null, gave_up_at: null })
      await first.core.stop(2_000)
      // The hour passes while it is down.
      await queryRows(first.dbUrl, 'UPDATE job_webhooks SET next_attempt_at = ? WHERE job_id = ?', [Date.now(), String(job.id)])
      const second = await createGatewayCore({ ...first.config, jobs: FAST }, { log: silentLogger, meter: memoryMeter({ store: true }).start, accessLogSink: { write: () => true, onDrain: () => {} } })
      try {
        const row = await waitFor('delivered', async () => (await queryRows(first.dbUrl, 'SELECT * FROM job_webhooks WHERE job_id = ? AND delivered_at IS NOT NULL', [String(job.id)]))[0])
        await Bun.sleep(300)
        expect(row).toMatchObject({ attempts: 2, last_result: 'HTTP 200' })
        expect(hook.deliveries).toHaveLength(2)
        expect(hook.deliveries[0]!.body).toBe(hook.deliveries[1]!.body)
        expect(hook.deliveries.every((d) => d.validSignature)).toBe(true)
      } finally {
        await second.stop(2_000)
      }
    } finally {
      await first.stop()
      hook.stop()
    }
  })
})

describe('webhook settings', () => {
  test('only https URLs (http to loopback when allowed) without credentials; the secret is stored sealed and never shown', async () => {
    const created = (await (await gw.admin('POST', '/orgs', { name: 'settings-org' })).json()) as { id: string }
    for (const url of ['ftp://example.com/x', 'file:///etc/passwd', 'http://user:pw@example.com/', 'not a url']) {
      expect((await gw.admin('PUT', `/orgs/${created.id}/webhook`, { url, secret: 'whsec-0123456789abcdef' })).status).toBe(400)
    }
    expect((await gw.admin('PUT', `/orgs/${created.id}/webhook`, { url: 'https://example.com/h', secret: 'short' })).status).toBe(400)
    const set = await gw.admin('PUT', `/orgs/settings-org/webhook`, { url: 'https://example.com/h', secret: 'whsec-0123456789abcdef' })
    expect(await set.json()).toEqual({ org_id: created.id, url: 'https://example.com/h' })
    const shown = await (await gw.admin('GET', `/orgs/${created.id}/webhook`)).text()
    expect(shown).not.toContain('whsec')
    const [stored] = await queryRows(gw.dbUrl, 'SELECT webhook_url, webhook_secret FROM orgs WHERE id = ?', [created.id])
    expect(stored!.webhook_url).toBe('https://example.com/h')
    expect(String(stored!.webhook_secret)).not.toContain('whsec')
    expect(await (await gw.admin('DELETE', `/orgs/${created.id}/webhook`)).json()).toEqual({ org_id: created.id, url: null })
    expect((await queryRows(gw.dbUrl, 'SELECT webhook_secret FROM orgs WHERE id = ?', [created.id]))[0]!.webhook_secret).toBeNull()
  })
})
