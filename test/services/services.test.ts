// The services: every change is announced once as its event (and answered after the subscribers), views come out, bad input is a ServiceError.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { directUsageReads } from '../../src/analytics/usage-reads.ts'
import { loadConfig } from '../../src/config.ts'
import { openDatabase, type Database } from '../../src/db/client.ts'
import { runMigrations } from '../../src/db/migrate.ts'
import { ServiceError } from '../../src/errors/service-error.ts'
import { indexProviders } from '../../src/providers/registry.ts'
import { createCredentialCipher } from '../../src/secrets/credential-cipher.ts'
import { ChangeEvents, type ChangeEvent } from '../../src/services/change-events.ts'
import { createServices, type Services } from '../../src/services/services.ts'
import type { RepriceRange } from '../../src/types/reprice.ts'

const dir = mkdtempSync(join(tmpdir(), 'sociaro-services-'))
let database: Database
let services: Services<{ spent: number }>
const events: ChangeEvent[] = []
const repriced: RepriceRange[] = []
let releasePrices: (() => void) | undefined

beforeAll(async () => {
  database = await openDatabase(`file:${join(dir, 'db.sqlite')}`)
  await runMigrations(database.db)
  const config = loadConfig({ SOCIARO_DATABASE_URL: `file:${join(dir, 'db.sqlite')}` })
  const providers = indexProviders(config.providers)
  const changes = new ChangeEvents()
  for (const type of ['org.changed', 'key.changed', 'credential.changed'] as const) changes.on(type, (event) => void events.push(event))
  // A subscriber that holds the answer until released: the price change must not be answered before it is in force.
  changes.on('prices.changed', async (event) => {
    events.push(event)
    await new Promise<void>((resolve) => (releasePrices = resolve))
  })
  services = createServices({
    db: database.db,
    client: database.client,
    events: changes,
    providers: config.providers,
    canonicalProvider: (name) => providers.get(name)?.spec.id,
    cipher: () => createCredentialCipher('services-test-secret-key-0123456789abcdef'),
    budgets: { org: (row) => (row.budgetMicros === null ? null : { spent: 0 }), key: () => null },
    storedCredentials: () => new Set(),
    reads: directUsageReads(database.db, database.client),
    reprice: async (range) => {
      repriced.push(range)
      return { examined: 0, changed: 0, stillUnpriced: 0 }
    },
  })
})
afterAll(() => {
  database.close()
  rmSync(dir, { recursive: true, force: true })
})

test('org and key changes are announced with their stored rows; views and budgets come back', async () => {
  events.length = 0
  const org = await services.orgs.create({ name: 'acme', budget_usd: 5 })
  expect(org).toMatchObject({ name: 'acme', budget_usd: 5, budget_period: 'month' })
  expect(events).toEqual([{ type: 'org.changed', org: expect.objectContaining({ id: org.id, budgetMicros: 5_000_000 }) }])
  expect(await services.orgs.get('acme')).toMatchObject({ id: org.id, budget: { spent: 0 } })

  const key = await services.keys.create({ org: 'acme', name: 'ci', rpm: 10 })
  expect(key.key).toStartWith('gw_')
  expect(events.at(-1)).toEqual({ type: 'key.changed', key: expect.objectContaining({ id: key.id, rpm: 10, status: 'active' }) })
  const revoked = await services.keys.revoke(key.id)
  expect(revoked).toMatchObject({ id: key.id, status: 'revoked' })
  expect(revoked).not.toHaveProperty('key')
  expect(events.at(-1)).toEqual({ type: 'key.changed', key: expect.objectContaining({ id: key.id, status: 'revoked' }) })
  expect((await services.keys.list('acme')).map((k) => [k.id, k.budget])).toEqual([[key.id, null]])
})

test('a stored credential is announced with the trimmed secret; the mock and unknown providers are refused', async () => {
  events.length = 0
  expect(await services.providers.setCredential('openai', '  sk-test \n')).toEqual({ provider: 'openai', credential: 'stored' })
  expect(events).toEqual([{ type: 'credential.changed', provider: 'openai', secret: 'sk-test', updatedAt: expect.any(Number) }])
  await expect(services.providers.setCredential('nope', 'x')).rejects.toMatchObject({ code: 'not_found' })
  await expect(services.providers.setCredential('mock', 'x')).rejects.toMatchObject({ code: 'invalid' })
  expect(events).toHaveLength(1)
})

test('a price override is answered only once the prices.changed subscribers finished', async () => {
  events.length = 0
  let answered = false
  const creating = services.prices.create({ provider: 'openai', model: 'gpt-4o-mini', input_usd_per_mtok: 1 }).then((view) => {
    answered = true
    return view
  })
  while (!releasePrices) await Bun.sleep(1)
  await Bun.sleep(20)
  expect(answered).toBe(false)
  releasePrices()
  releasePrices = undefined
  const view = await creating
  expect(view).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', input_usd_per_mtok: 1, org_id: null })
  expect(events).toEqual([{ type: 'prices.changed' }])
  await expect(services.prices.create({ provider: 'nope', model: 'x' })).rejects.toMatchObject({ code: 'invalid' })
})

test('reprice resolves the org and the dates before handing the range on', async () => {
  repriced.length = 0
  await services.prices.reprice({ from: '2026-01-01', to: '2026-02-01', org: 'acme' })
  const org = await services.orgs.get('acme')
  expect(repriced).toEqual([{ from: Date.parse('2026-01-01'), to: Date.parse('2026-02-01'), orgId: org.id }])
  await expect(services.prices.reprice({ from: 'yesterday', to: '2026-02-01' })).rejects.toBeInstanceOf(ServiceError)
  await expect(services.prices.reprice({ from: '2026-01-01', to: '2026-02-01', org: 'nobody' })).rejects.toMatchObject({ code: 'not_found' })
})

test('usage filters are validated before any read, names are resolved, and the JSON form is the same answer', async () => {
  await expect(services.usage.query({ group_by: 'week' })).rejects.toMatchObject({ code: 'invalid' })
  await expect(services.usage.query({ provider: 'nope' })).rejects.toMatchObject({ code: 'invalid', message: 'unknown provider "nope"' })
  await expect(services.usage.query({ from: '2026-02-01', to: '2026-01-01' })).rejects.toMatchObject({ code: 'invalid' })
  await expect(services.usage.query({ org: 'nobody' })).rejects.toMatchObject({ code: 'not_found' })
  const input = { org: 'acme', from: '2026-01-01', to: '2026-02-01', group_by: 'model' }
  const report = await services.usage.query(input)
  expect(report).toMatchObject({ group_by: 'model', from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z', data: [] })
  expect(JSON.parse(await services.usage.queryJson(input))).toEqual(report)
  expect(await services.usage.requests({ org: 'acme', limit: 9999 })).toEqual({ data: [], next_cursor: null })
})
