// The query worker answers exactly what the same reads answer on the calling thread, keeps ServiceErrors as such, and reprices.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { QueryChannel } from '../../src/analytics/query-channel.ts'
import { directUsageReads } from '../../src/analytics/usage-reads.ts'
import { openDatabase, type Database } from '../../src/db/client.ts'
import { runMigrations } from '../../src/db/migrate.ts'
import { usageEvents, usageRollups } from '../../src/db/schema.ts'
import { ServiceError } from '../../src/errors/service-error.ts'
import { createLogger } from '../../src/log.ts'
import type { PriceOverride } from '../../src/pricing/types.ts'
import { createKey } from '../../src/store/keys.ts'
import { createOrg } from '../../src/store/orgs.ts'

const dir = mkdtempSync(join(tmpdir(), 'sociaro-query-worker-'))
const url = `file:${join(dir, 'db.sqlite')}`
const HOUR = 3_600_000
const start = Date.parse('2026-03-01T00:00:00Z')
let database: Database
let channel: QueryChannel
let keyId = ''

beforeAll(async () => {
  database = await openDatabase(url)
  await runMigrations(database.db)
  const org = await createOrg(database.db, 'acme')
  keyId = (await createKey(database.db, org.id, { name: 'ci' })).row.id
  const rows = Array.from({ length: 6 }, (_, i) => ({
    requestId: `req_${i}`, startedAt: start + i * HOUR, orgId: org.id, keyId, provider: 'openai', model: 'gpt-4o-mini', endpoint: '/v1/chat/completions',
    method: 'POST', status: 200, streamed: false, inputTokens: 1_000_000, outputTokens: 0, costMicros: 1, costStatus: 'priced' as const,
    usageSource: 'reported' as const, priceSource: 'genai-prices', endedBy: 'complete', durationMs: 5,
  }))
  await database.db.insert(usageEvents).values(rows)
  await database.db.insert(usageRollups).values([
    ...rows.map((row) => ({ grain: 'hour' as const, bucketStart: row.startedAt, orgId: org.id, keyId, provider: 'openai', model: 'gpt-4o-mini', requests: 1, inputTokens: 1_000_000, costMicros: 1 })),
    { grain: 'day' as const, bucketStart: start, orgId: org.id, keyId, provider: 'openai', model: 'gpt-4o-mini', requests: 6, inputTokens: 6_000_000, costMicros: 6 },
  ])
  channel = new QueryChannel({ databaseUrl: url }, createLogger('error'))
})
afterAll(() => {
  channel.close()
  database.close()
  rmSync(dir, { recursive: true, force: true })
})

test('usage reports and request-log pages from the worker equal the direct reads', async () => {
  const direct = directUsageReads(database.db, database.client)
  const scope = { from: start, to: start + 86_400_000, org: 'acme' }
  for (const groupBy of ['hour', 'day', 'model', 'key'] as const) {
    const fromWorker = await channel.usage({ ...scope, groupBy })
    expect(fromWorker).toEqual(await direct.usage({ ...scope, groupBy }))
    expect(fromWorker.totals.requests).toBe(6)
  }
  const page = await channel.requests({ ...scope, limit: 4, key: 'ci' })
  expect(page.data.map((row) => row.request_id)).toEqual(['req_5', 'req_4', 'req_3', 'req_2'])
  expect(page).toEqual(await direct.requests({ ...scope, limit: 4, key: 'ci' }))
  const next = await channel.requests({ ...scope, limit: 4, cursor: page.next_cursor! })
  expect(next.data.map((row) => row.request_id)).toEqual(['req_1', 'req_0'])
  expect(JSON.parse(await channel.usageJson({ ...scope, groupBy: 'day' }))).toEqual(await direct.usage({ ...scope, groupBy: 'day' }))
})

test('a name that matches nothing is the same ServiceError as on the calling thread', async () => {
  const failure = await channel.usage({ from: start, to: start + HOUR, org: 'nobody', groupBy: 'day' }).catch((error: unknown) => error)
  expect(failure).toBeInstanceOf(ServiceError)
  expect(failure).toMatchObject({ code: 'not_found', status: 404 })
  const direct = await directUsageReads(database.db, database.client).usage({ from: start, to: start + HOUR, org: 'nobody', groupBy: 'day' }).catch((error: unknown) => error)
  expect((failure as ServiceError).message).toBe((direct as ServiceError).message)
})

test('a reprice on the worker rewrites the rows and their rollups with the overrides given', async () => {
  const override: PriceOverride = { provider: 'openai', model: 'gpt-4o-mini', inputMicrosPerMTok: 2_000_000, outputMicrosPerMTok: 0 }
  const result = await channel.reprice({ range: { from: start, to: start + 86_400_000 }, overrides: [override] })
  expect(result).toEqual({ examined: 6, changed: 6, stillUnpriced: 0 })
  const report = await channel.usage({ from: start, to: start + 86_400_000, groupBy: 'day' })
  expect(report.totals.cost_micros).toBe(6 * 2_000_000)
})

test('after close, reads are refused at once', async () => {
  const closing = new QueryChannel({ databaseUrl: url }, createLogger('error'))
  await closing.usage({ from: start, to: start + HOUR, groupBy: 'day' })
  closing.close()
  await expect(closing.usage({ from: start, to: start + HOUR, groupBy: 'day' })).rejects.toMatchObject({ code: 'database_unavailable' })
})
