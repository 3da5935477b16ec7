// The command line: orgs, keys and credentials against a real database, JSON output, errors, and live effect on a running server.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient } from '@libsql/client'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeOpenAI } from '../support/provider-fakes.ts'
import { runCli } from '../support/spawn-cli.ts'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'

let dir: string
let env: Record<string, string>

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sociaro-cli-'))
  env = { SOCIARO_DATABASE_URL: `file:${join(dir, 'cli.db')}` }
  // Only serve and migrate create a database; every other command needs one.
  expect((await runCli(['migrate'], env)).code).toBe(0)
}, 30_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('orgs and keys', () => {
  test('orgs create --json prints the org', async () => {
    const result = await runCli(['orgs', 'create', 'acme', '--json'], env)
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ name: 'acme', time_zone: 'UTC' })
  })

  test('keys create --json prints exactly one JSON object with the secret, nothing else on stdout', async () => {
    const result = await runCli(['keys', 'create', '--org', 'acme', '--name', 'ci', '--models', 'openai/gpt-4o*,anthropic/*', '--expires-at', '2099-01-01T00:00:00Z', '--json'], env)
    expect(result.code).toBe(0)
    const lines = result.stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    const key = JSON.parse(lines[0]!)
    expect(key.key).toMatch(/^gw_live_[0-9A-Za-z]{43}$/)
    expect(key.id).toMatch(/^key_/)
    expect(key.models).toEqual(['openai/gpt-4o*', 'anthropic/*'])
    expect(key.expires_at).toBe('2099-01-01T00:00:00.000Z')
    expect(key.key.startsWith(key.prefix)).toBe(true)
    expect(key.key.endsWith(key.last4)).toBe(true)
  })

  test('only a hash of the key is stored', async () => {
    const created = JSON.parse((await runCli(['keys', 'create', '--org', 'acme', '--json'], env)).stdout)
    const client = createClient({ url: env.SOCIARO_DATABASE_URL! })
    const rows = await client.execute('SELECT * FROM api_keys')
    client.close()
    const dump = JSON.stringify(rows.rows)
    expect(dump).not.toContain(created.key)
    const hash = new Bun.CryptoHasher('sha256').update(created.key).digest('hex')
    expect(dump).toContain(hash)
  })

  test('keys list --json never shows secrets or hashes', async () => {
    const result = await runCli(['keys', 'list', '--org', 'acme', '--json'], env)
    const keys = JSON.parse(result.stdout) as Record<string, unknown>[]
    expect(keys.length).toBeGreaterThanOrEqual(2)
    for (const key of keys) {
      expect(key.key).toBeUndefined()
      expect(JSON.stringify(key)).not.toContain('key_hash')
    }
    const table = await runCli(['keys', 'list'], env)
    expect(table.stdout).toContain('gw_live_')
    expect(table.stdout).toContain('…')
  })

  test('a bad flag, an unknown org and a bad pattern give clear errors', async () => {
    const badFlag = await runCli(['keys', 'create', '--org', 'acme', '--nope'], env)
    expect(badFlag.code).toBe(2)
    expect(badFlag.stderr).toContain('--nope')
    const noOrg = await runCli(['keys', 'create', '--org', 'ghost'], env)
    expect(noOrg.code).toBe(1)
    expect(noOrg.stderr).toContain('ghost')
    const badPattern = await runCli(['keys', 'create', '--org', 'acme', '--models', 'nosuchprovider/x'], env)
    expect(badPattern.code).toBe(1)
    expect(badPattern.stderr).toContain('nosuchprovider')
  })

  test('budgets and rate limits are set and read through the CLI', async () => {
    const created = await runCli(['keys', 'create', '--org', 'acme', '--budget-usd', '50', '--budget-period', 'month', '--rpm', '60', '--tpm', '100000', '--max-concurrency', '4', '--json'], env)
    expect(created.code).toBe(0)
    const key = JSON.parse(created.stdout)
    expect(key).toMatchObject({ budget_usd: 50, budget_period: 'month', rpm: 60, tpm: 100000, max_concurrency: 4 })
    const listed = (JSON.parse((await runCli(['keys', 'list', '--json'], env)).stdout) as { id: string; budget: { spent_usd: number; remaining_usd: number; limit_usd: number } | null }[]).find((k) => k.id === key.id)!
    expect(listed.budget).toMatchObject({ limit_usd: 50, spent_usd: 0, remaining_usd: 50 })
    const updated = await runCli(['keys', 'update', key.id, '--rpm', 'none', '--budget-usd', '12.5', '--json'], env)
    expect(JSON.parse(updated.stdout)).toMatchObject({ rpm: null, budget_usd: 12.5 })
    const org = await runCli(['orgs', 'update', 'acme', '--budget-usd', '100', '--budget-period', 'week', '--time-zone', 'Asia/Kolkata', '--budget-soft-percent', '80', '--json'], env)
    expect(JSON.parse(org.stdout)).toMatchObject({ budget_usd: 100, budget_period: 'week', time_zone: 'Asia/Kolkata', budget_soft_percent: 80 })
    const orgs = JSON.parse((await runCli(['orgs', 'list', '--json'], env)).stdout) as { name: string; budget: { period_start: string } }[]
    // Weeks start on Monday at midnight in Kolkata (UTC+05:30), i.e. 18:30 UTC on Sunday.
    expect(orgs.find((o) => o.name === 'acme')!.budget.period_start).toMatch(/T18:30:00.000Z$/)
    const bad = await runCli(['keys', 'update', key.id, '--budget-period', 'fortnight'], env)
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('budget period')
  })

  test('--help and --version', async () => {
    expect((await runCli(['--help'], env)).stdout).toContain('keys create --org NAME')
    expect((await runCli(['keys', '--help'], env)).stdout).toContain('--expires-at ISO')
    expect((await runCli(['--version'], env)).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
  })

  test('an invalid environment variable is named at start-up', async () => {
    const result = await runCli(['orgs', 'list'], { ...env, SOCIARO_PORT: 'eighty' })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('SOCIARO_PORT')
  })
})

describe('provider credentials', () => {
  test('set-credential reads stdin, stores it sealed, providers list reports it', async () => {
    const credEnv = { ...env, SOCIARO_SECRET_KEY: 'cli-test-secret-key-0123456789abcdefghijkl' }
    const set = await runCli(['providers', 'set-credential', 'openai'], credEnv, { stdin: 'sk-from-stdin-123456\n' })
    expect(set.code).toBe(0)
    expect(set.stdout + set.stderr).not.toContain('sk-from-stdin-123456')
    const list = JSON.parse((await runCli(['providers', 'list', '--json'], credEnv)).stdout) as { id: string; credential: string }[]
    expect(list.find((p) => p.id === 'openai')!.credential).toBe('stored')
    expect(list.find((p) => p.id === 'anthropic')!.credential).toBe('missing')
    const client = createClient({ url: env.SOCIARO_DATABASE_URL! })
    const rows = await client.execute('SELECT * FROM provider_credentials')
    client.close()
    expect(JSON.stringify(rows.rows)).not.toContain('sk-from-stdin-123456')
  })

  test('orgs update --webhook-url with the secret on stdin stores it sealed; --webhook-url none removes it', async () => {
    const credEnv = { ...env, SOCIARO_SECRET_KEY: 'cli-test-secret-key-0123456789abcdefghijkl' }
    expect((await runCli(['orgs', 'create', 'hooked'], credEnv)).code).toBe(0)
    expect((await runCli(['orgs', 'update', 'hooked', '--webhook-url', 'https://93.184.215.14/hook'], credEnv)).code).toBe(2)
    const set = await runCli(['orgs', 'update', 'hooked', '--webhook-url', 'https://93.184.215.14/hook', '--webhook-secret-stdin'], credEnv, { stdin: 'whsec-from-stdin-0123456789\n' })
    expect(set.code).toBe(0)
    expect(set.stdout).toContain('https://93.184.215.14/hook')
    expect(set.stdout + set.stderr).not.toContain('whsec-from-stdin')
    const client = createClient({ url: env.SOCIARO_DATABASE_URL! })
    const stored = (await client.execute("SELECT webhook_url, webhook_secret FROM orgs WHERE name = 'hooked'")).rows[0]!
    expect(stored.webhook_url).toBe('https://93.184.215.14/hook')
    expect(String(stored.webhook_secret)).not.toContain('whsec-from-stdin')
    expect((await runCli(['orgs', 'update', 'hooked', '--webhook-url', 'ftp://example.com/x', '--webhook-secret-stdin'], credEnv, { stdin: 'whsec-from-stdin-0123456789' })).code).not.toBe(0)
    expect((await runCli(['orgs', 'update', 'hooked', '--webhook-url', 'none'], credEnv)).code).toBe(0)
    const cleared = (await client.execute("SELECT webhook_url, webhook_secret FROM orgs WHERE name = 'hooked'")).rows[0]!
    client.close()
    expect(cleared.webhook_url).toBeNull()
    expect(cleared.webhook_secret).toBeNull()
  })

  test('a secret on the command line is refused', async () => {
    const result = await runCli(['providers', 'set-credential', 'openai', 'sk-on-argv'], env)
    expect(result.code).toBe(2)
  })

  test('without SOCIARO_SECRET_KEY a 0600 key file is generated beside the local database', async () => {
    const own = mkdtempSync(join(tmpdir(), 'sociaro-secret-'))
    const ownEnv = { SOCIARO_DATABASE_URL: `file:${join(own, 'db.sqlite')}` }
    expect((await runCli(['migrate'], ownEnv)).code).toBe(0)
    const result = await runCli(['providers', 'set-credential', 'anthropic'], ownEnv, { stdin: 'sk-ant-x' })
    expect(result.code).toBe(0)
    expect(statSync(join(own, 'secret.key')).mode & 0o777).toBe(0o600)
    rmSync(own, { recursive: true, force: true })
  })
})

describe('a running server sees CLI changes', () => {
  let upstream: FakeUpstream
  let gw: TestGateway
  beforeAll(async () => {
    upstream = startFakeUpstream(fakeOpenAI)
    gw = await startTestGateway({ upstreams: { openai: upstream.url }, env: { SOCIARO_CACHE_REFRESH_MS: '1000' } })
  })
  afterAll(async () => {
    await gw.stop()
    upstream.stop()
  })

  const call = (key: string) =>
    fetch(`${gw.url}/openai/v1/models`, { headers: { authorization: `Bearer ${key}` } }).then(async (r) => {
      await r.arrayBuffer()
      return r.status
    })

  test('a key created by the CLI works, and a CLI revoke takes effect within 2 s', async () => {
    const serverEnv = { SOCIARO_DATABASE_URL: gw.dbUrl }
    const created = JSON.parse((await runCli(['keys', 'create', '--org', 'test-org', '--json'], serverEnv)).stdout)
    let deadline = Date.now() + 2000
    let status = await call(created.key)
    while (status !== 200 && Date.now() < deadline) status = await call(created.key)
    expect(status).toBe(200)

    const revoked = await runCli(['keys', 'revoke', created.id], serverEnv)
    expect(revoked.code).toBe(0)
    const revokedAt = Date.now()
    deadline = revokedAt + 2000
    while ((status = await call(created.key)) === 200 && Date.now() < deadline) await Bun.sleep(50)
    expect(status).toBe(401)
    expect(Date.now() - revokedAt).toBeLessThanOrEqual(2000)
  })

  test('an admin API revoke takes effect at once', async () => {
    const { id, key } = await gw.createKey()
    expect(await call(key)).toBe(200)
    expect((await gw.admin('POST', `/keys/${id}/revoke`)).status).toBe(200)
    expect(await call(key)).toBe(401)
  })

  test('an admin API allowlist edit takes effect at once', async () => {
    const { id, key } = await gw.createKey()
    const chat = () =>
      fetch(`${gw.url}/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: '{"model":"gpt-4o-mini","messages":[]}',
      }).then((r) => r.status)
    expect(await chat()).toBe(200)
    expect((await gw.admin('PATCH', `/keys/${id}`, { models: ['anthropic/*'] })).status).toBe(200)
    expect(await chat()).toBe(403)
  })

  test('last-used time is recorded off the hot path, by the metering worker', async () => {
    const { id, key } = await gw.createKey()
    const before = Date.now()
    await call(key)
    expect(gw.gateway.meter).toBeDefined() // so the write below goes through the worker, not this thread
    await gw.gateway.flushLastUsed()
    let lastUsed: string | null = null
    for (let i = 0; i < 100 && lastUsed === null; i++) {
      const view = (await (await gw.admin('GET', `/keys/${id}`)).json()) as { last_used_at: string | null }
      lastUsed = view.last_used_at
      if (lastUsed === null) await Bun.sleep(50)
    }
    expect(lastUsed).not.toBeNull()
    expect(Date.parse(lastUsed!)).toBeGreaterThanOrEqual(before - 1000)
  })
})

describe('last-used time without a metering worker', () => {
  test('is written from the proxy thread instead', async () => {
    const upstream = startFakeUpstream(fakeOpenAI)
    const gw = await startTestGateway({ upstreams: { openai: upstream.url }, env: { SOCIARO_METERING: 'false' } })
    try {
      expect(gw.gateway.meter).toBeUndefined()
      const { id, key } = await gw.createKey()
      const status = await fetch(`${gw.url}/openai/v1/models`, { headers: { authorization: `Bearer ${key}` } }).then(async (r) => {
        await r.arrayBuffer()
        return r.status
      })
      expect(status).toBe(200)
      await gw.gateway.flushLastUsed()
      const view = (await (await gw.admin('GET', `/keys/${id}`)).json()) as { last_used_at: string | null }
      expect(view.last_used_at).not.toBeNull()
    } finally {
      await gw.stop()
      upstream.stop()
    }
  })
})
