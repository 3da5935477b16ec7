// Webhook egress: https to public addresses only, checked when a webhook is set and again at every delivery (DNS rebinding), connected to the checked address with the URL's Host and TLS name.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, loadConfig } from '../../src/config.ts'
import { WebhookEgress } from '../../src/jobs/webhook-egress.ts'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeTaskAccount, type FakeTaskAccount } from '../support/fake-task-apis.ts'
import { coreFor, type TestCore } from '../support/test-core.ts'
import { queryRows } from '../support/usage-rows.ts'
import { waitFor } from '../support/wait-for.ts'

describe('which addresses a webhook may reach', () => {
  const strict = new WebhookEgress()
  test('private, shared, loopback, link-local, metadata, multicast, reserved and mapped addresses are refused by default; public ones pass', () => {
    const refused = [
      '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.1.1', '100.64.0.1', '127.0.0.1', '127.8.9.10', '169.254.169.254', '169.254.0.1', '0.0.0.0',
      '224.0.0.1', '239.255.255.250', '240.0.0.1', '255.255.255.255', '192.0.2.1', '198.18.0.1',
      '::', '::1', 'fe80::1', 'fd00::1', 'fd00:ec2::254', 'fc00::1', 'ff02::1', 'fec0::1', '2001:db8::1', '::ffff:10.0.0.1', '::ffff:127.0.0.1',
      '::ffff:a9fe:a9fe', '64:ff9b::a00:1', '2002:a00:1::1', '2001::1',
    ]
    for (const address of refused) expect({ address, why: strict.refusal(address, 'https:') }).toEqual({ address, why: expect.any(String) })
    for (const address of ['93.184.215.14', '8.8.8.8', '1.1.1.1', '2606:4700::1111', '2a00:1450:4001::200e', '::ffff:8.8.8.8']) {
      expect({ address, why: strict.refusal(address, 'https:') }).toEqual({ address, why: undefined })
    }
    // Plain http never goes to a public address.
    expect(strict.refusal('93.184.215.14', 'http:')).toContain('plain http')
  })

  test('the operator opts in: loopback for tests, CIDR ranges for an intranet (https only)', () => {
    const dev = new WebhookEgress({ allowLoopback: true, allowCidrs: [] })
    expect(dev.refusal('127.0.0.1', 'http:')).toBeUndefined()
    expect(dev.refusal('::1', 'https:')).toBeUndefined()
    expect(dev.refusal('10.0.0.1', 'https:')).toBeString()
    const intranet = new WebhookEgress({ allowLoopback: false, allowCidrs: ['10.20.0.0/16', 'fd12:3456::/32'] })
    expect(intranet.refusal('10.20.3.4', 'https:')).toBeUndefined()
    expect(intranet.refusal('fd12:3456::9', 'https:')).toBeUndefined()
    expect(intranet.refusal('10.21.0.1', 'https:')).toBeString()
    expect(intranet.refusal('10.20.3.4', 'http:')).toContain('plain http')
    expect(intranet.refusal('169.254.169.254', 'https:')).toBeString()
    expect(intranet.refusal('127.0.0.1', 'https:')).toContain('loopback')
  })

  test('a name is judged by every address it resolves to: one refused address refuses it', async () => {
    const egress = new WebhookEgress(undefined, async (host) =>
      host === 'mixed.test' ? [{ address: '93.184.215.14', family: 4 }, { address: '10.0.0.7', family: 4 }] : [{ address: '93.184.215.14', family: 4 }],
    )
    await expect(egress.targets(new URL('https://mixed.test/h'))).rejects.toThrow('10.0.0.7')
    expect(await egress.targets(new URL('https://public.test/h'))).toEqual([{ address: '93.184.215.14', family: 4 }])
    await expect(egress.targets(new URL('http://public.test/h'))).rejects.toThrow('https')
    await expect(egress.targets(new URL('https://[::1]:8443/h'))).rejects.toThrow('loopback')
    await expect(egress.targets(new URL('https://169.254.169.254/latest/meta-data'))).rejects.toThrow('not a public address')
  })

  test('the configuration: SOCIARO_WEBHOOK_ALLOW_LOOPBACK, SOCIARO_WEBHOOK_ALLOW_CIDRS (checked), SOCIARO_WEBHOOK_CA_FILE', () => {
    expect(loadConfig({}).jobs.webhookEgress).toEqual({ allowLoopback: false, allowCidrs: [] })
    expect(loadConfig({ SOCIARO_WEBHOOK_ALLOW_LOOPBACK: 'true', SOCIARO_WEBHOOK_ALLOW_CIDRS: '10.0.0.0/8, fd00::/8' }).jobs.webhookEgress).toEqual({ allowLoopback: true, allowCidrs: ['10.0.0.0/8', 'fd00::/8'] })
    for (const bad of ['10.0.0.0/33', 'intranet', '10.0.0.0/', 'fd00::/129']) expect(() => loadConfig({ SOCIARO_WEBHOOK_ALLOW_CIDRS: bad })).toThrow(ConfigError)
    expect(() => loadConfig({ SOCIARO_WEBHOOK_CA_FILE: '/nonexistent/ca.pem' })).toThrow(ConfigError)
  })
})

/** A self-signed certificate for `name`, made with openssl. */
function certificateFor(name: string): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sociaro-cert-'))
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`], { stdio: 'ignore' })
  return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') }
}

describe('webhook egress through the gateway', () => {
  const SUCCEEDED = { status: 'succeeded', usage: { completion_tokens: 108_900, total_tokens: 108_900 } }
  const JOBS = { poller: true, pollIntervalMs: 40, pollMaxIntervalMs: 160, webhookRetryMs: 30, webhookAttempts: 2 }
  /** What each name resolves to now: tests change it between setting a webhook and its delivery. */
  const hosts = new Map<string, string[]>()
  const resolveHost = async (host: string) => {
    const addresses = hosts.get(host)
    if (!addresses) throw new Error(`ENOTFOUND ${host}`)
    return addresses.map((address) => ({ address, family: address.includes(':') ? (6 as const) : (4 as const) }))
  }
  const tls = certificateFor('hooks.example')
  const received: { host: string | null; body: string }[] = []
  let receiver: ReturnType<typeof Bun.serve>
  let plain: ReturnType<typeof Bun.serve>
  let account: FakeTaskAccount
  let upstream: FakeUpstream
  let strict: TestCore
  let dev: TestCore
  let counter = 0

  beforeAll(async () => {
    receiver = Bun.serve({ hostname: '127.0.0.1', port: 0, tls: { cert: tls.cert, key: tls.key }, fetch: async (request) => {
      received.push({ host: request.headers.get('host'), body: await request.text() })
      return new Response(null, { status: 204 })
    } })
    plain = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: async (request) => {
      received.push({ host: request.headers.get('host'), body: await request.text() })
      return new Response('ok')
    } })
    account = fakeTaskAccount()
    upstream = startFakeUpstream(account.handler)
    // Production defaults: public https only.
    strict = await coreFor({ providers: { byteplus: upstream.url }, storeRows: true, config: { jobs: { ...JOBS, webhookEgress: { allowLoopback: false, allowCidrs: [] } } }, options: { resolveHost } })
    // A developer's: loopback allowed, and the test CA trusted.
    dev = await coreFor({ providers: { byteplus: upstream.url }, storeRows: true, config: { jobs: { ...JOBS, webhookEgress: { allowLoopback: true, allowCidrs: [], caPem: tls.cert } } }, options: { resolveHost } })
  })
  afterAll(async () => {
    await strict?.stop()
    await dev?.stop()
    upstream?.stop()
    receiver?.stop(true)
    plain?.stop(true)
  })

  async function orgOn(gw: TestCore): Promise<{ id: string; key: string }> {
    const name = `egress-${++counter}`
    const org = (await (await gw.admin('POST', '/orgs', { name })).json()) as { id: string }
    return { id: org.id, key: (await gw.createKey({ org: name })).key }
  }
  const setHook = (gw: TestCore, org: string, url: string) => gw.admin('PUT', `/orgs/${org}/webhook`, { url, secret: 'whsec-egress-0123456789abcdef' })
  async function settleJob(gw: TestCore, key: string): Promise<string> {
    account.script([SUCCEEDED])
    const created = await gw.fetch('/byteplus/api/v3/contents/generations/tasks', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'seedance-1-0-pro', content: [{ type: 'text', text: 'a cat' }] }),
    })
    const { id } = (await created.json()) as { id: string }
    const job = await waitFor('settled', async () => (await queryRows(gw.dbUrl, 'SELECT id FROM jobs WHERE provider_job_id = ? AND settled_at IS NOT NULL', [id]))[0])
    return String(job.id)
  }
  const finished = (gw: TestCore, jobId: string) => waitFor('webhook finished', async () => (await queryRows(gw.dbUrl, 'SELECT * FROM job_webhooks WHERE job_id = ? AND next_attempt_at IS NULL', [jobId]))[0])

  test('setting a webhook: plain http, private, loopback and metadata receivers are refused, by address or by what the name resolves to', async () => {
    const org = await orgOn(strict)
    hosts.set('metadata.test', ['169.254.169.254'])
    hosts.set('intranet.test', ['10.1.2.3'])
    hosts.set('v6-ula.test', ['fd00::5'])
    hosts.set('public.test', ['93.184.215.14'])
    for (const url of ['http://public.test/h', `http://127.0.0.1:${plain.port}/h`, 'https://127.0.0.1/h', 'https://10.0.0.5/h', 'https://[fd00::1]/h', 'https://169.254.169.254/h', 'https://metadata.test/h', 'https://intranet.test/h', 'https://v6-ula.test/h', 'https://nowhere.test/h']) {
      const response = await setHook(strict, org.id, url)
      expect({ url, status: response.status }).toEqual({ url, status: 400 })
    }
    expect((await setHook(strict, org.id, 'https://public.test/h')).status).toBe(200)
  })

  test('DNS rebinding: a name public when set but loopback at delivery is refused at delivery, and nothing reaches the loopback receiver', async () => {
    const org = await orgOn(strict)
    hosts.set('rebind.test', ['93.184.215.14'])
    expect((await setHook(strict, org.id, `https://rebind.test:${receiver.port}/h`)).status).toBe(200)
    hosts.set('rebind.test', ['127.0.0.1'])
    const before = received.length
    const jobId = await settleJob(strict, org.key)
    const row = await finished(strict, jobId)
    expect(row).toMatchObject({ delivered_at: null, attempts: JOBS.webhookAttempts })
    expect(row.gave_up_at).not.toBeNull()
    expect(String(row.last_result)).toContain('refused')
    expect(String(row.last_result)).toContain('127.0.0.1')
    expect(received.length).toBe(before)
  })

  test('https to a name: the connection goes to the checked address, with the URL\'s Host and the certificate checked against the name', async () => {
    const org = await orgOn(dev)
    hosts.set('hooks.example', ['127.0.0.1'])
    expect((await setHook(dev, org.id, `https://hooks.example:${receiver.port}/h`)).status).toBe(200)
    const jobId = await settleJob(dev, org.key)
    const row = await finished(dev, jobId)
    expect(row).toMatchObject({ last_result: 'HTTP 204', attempts: 1 })
    const delivery = received.find((r) => r.body.includes(jobId))!
    expect(delivery.host).toBe(`hooks.example:${receiver.port}`)
    expect(JSON.parse(delivery.body)).toMatchObject({ type: 'job.settled', job: { id: jobId } })
  })

  test('a certificate that does not name the URL\'s host fails the delivery (nothing is sent in the clear)', async () => {
    const org = await orgOn(dev)
    hosts.set('other.example', ['127.0.0.1'])
    expect((await setHook(dev, org.id, `https://other.example:${receiver.port}/h`)).status).toBe(200)
    const jobId = await settleJob(dev, org.key)
    const row = await finished(dev, jobId)
    expect(row.delivered_at).toBeNull()
    expect(String(row.last_result)).toMatch(/altname|certificate|Hostname/i)
    expect(received.some((r) => r.body.includes(jobId))).toBe(false)
  })

  test('plain http goes to loopback only when allowed, and a name that now resolves elsewhere is refused', async () => {
    const org = await orgOn(dev)
    // ::1 first, where nothing listens: the next checked address takes the delivery.
    hosts.set('local.test', ['::1', '127.0.0.1'])
    expect((await setHook(dev, org.id, `http://local.test:${plain.port}/h`)).status).toBe(200)
    const first = await settleJob(dev, org.key)
    expect(await finished(dev, first)).toMatchObject({ last_result: 'HTTP 200' })
    expect(received.find((r) => r.body.includes(first))!.host).toBe(`local.test:${plain.port}`)
    hosts.set('local.test', ['93.184.215.14'])
    const second = await settleJob(dev, org.key)
    const row = await finished(dev, second)
    expect(row.delivered_at).toBeNull()
    expect(String(row.last_result)).toContain('plain http')
  })
})
