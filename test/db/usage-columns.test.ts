// The usage column lists come from the Drizzle tables alone: names, migrated tables, insert, decoding and the API all agree.
import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getTableColumns } from 'drizzle-orm'
import { queryRequests, queryUsage } from '../../src/analytics/usage-query.ts'
import { openDatabase } from '../../src/db/client.ts'
import { runMigrations } from '../../src/db/migrate.ts'
import { usageEvents, usageRollups } from '../../src/db/schema.ts'
import { ROLLUP_KEY_COLUMNS, ROLLUP_VALUE_COLUMNS, USAGE_EVENT_COLUMNS, USAGE_ROLLUP_COLUMNS, usageEventFromRow } from '../../src/db/usage-columns.ts'
import { rollupDeltas } from '../../src/metering/worker/rollups.ts'
import type { UsageRecord } from '../../src/metering/worker/usage-record.ts'
import { recordStatements, rollupStatement } from '../../src/metering/worker/usage-writer.ts'

const dir = mkdtempSync(join(tmpdir(), 'sociaro-usage-columns-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const snake = (key: string) => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)

function record(i: number, overrides: Partial<UsageRecord> = {}): UsageRecord {
  return {
    requestId: `req_${i}`, startedAt: 1_700_000_000_000 + i, orgId: 'org', keyId: 'key', provider: 'openai', model: 'gpt-4o-mini',
    endpoint: '/v1/chat/completions', method: 'POST', status: 200, streamed: true, inputTokens: 10 + i, outputTokens: 5, cacheReadTokens: 1,
    cacheWriteTokens: 2, reasoningTokens: 3, images: 4, videoSeconds: null, audioSeconds: 6, costMicros: 1_500_000, costStatus: 'estimated',
    usageSource: 'estimated', priceSource: 'genai-prices', costDetail: 'estimated by tokenizer', endedBy: 'client_abort', partial: true,
    errorCode: 'upstream_timeout', ttfbMs: 7, durationMs: 8, user: 'alice', tags: '["a","b"]', rawUsage: '{"model":"gpt-4o-mini","usage":{}}',
    ...overrides,
  }
}

test('every usage column is named in SQL as the snake_case of its key (what the SnakeCase type assumes)', () => {
  for (const table of [usageEvents, usageRollups]) {
    for (const [key, column] of Object.entries(getTableColumns(table))) expect(column.name).toBe(snake(key))
  }
  expect(USAGE_EVENT_COLUMNS.map((column) => column.key)).toEqual(Object.keys(getTableColumns(usageEvents)) as never)
})

test('a rollup is keyed by its primary key and sums every other column, each of which is a number with a default (what RollupValueKey assumes)', () => {
  expect(ROLLUP_KEY_COLUMNS.map((column) => column.name)).toEqual(['grain', 'bucket_start', 'org_id', 'key_id', 'provider', 'model', 'user', 'tags', 'outcome'])
  const columns = getTableColumns(usageRollups)
  expect(ROLLUP_VALUE_COLUMNS.map((column) => column.key)).toEqual(
    (Object.keys(columns) as (keyof typeof columns)[]).filter((key) => columns[key].hasDefault && columns[key].dataType === 'number') as never,
  )
  expect(ROLLUP_KEY_COLUMNS.length + ROLLUP_VALUE_COLUMNS.length).toBe(USAGE_ROLLUP_COLUMNS.length)
})

test('the migrated tables have exactly the schema columns, and a row written through the list reads back equal', async () => {
  const database = await openDatabase(`file:${join(dir, 'roundtrip.sqlite')}`)
  try {
    await runMigrations(database.db)
    const migrated = async (table: string) => (await database.client.execute(`PRAGMA table_info(${table})`)).rows.map((row) => String(row.name)).sort()
    expect(await migrated('usage_events')).toEqual(USAGE_EVENT_COLUMNS.map((column) => column.name).sort())
    expect(await migrated('usage_rollups')).toEqual(USAGE_ROLLUP_COLUMNS.map((column) => column.name).sort())

    // A full row, one with every nullable column null and errorCode left out, and enough rows for a second INSERT.
    const { errorCode: _left, ...withoutErrorCode } = record(2, { model: null, images: null, audioSeconds: null, costMicros: null, costStatus: 'unpriced', priceSource: null, costDetail: null, ttfbMs: null, user: null, tags: null, rawUsage: null, streamed: false, partial: false })
    const records: UsageRecord[] = [record(1), withoutErrorCode, ...Array.from({ length: 40 }, (_, i) => record(100 + i))]
    const statements = recordStatements(records)
    expect(statements.length).toBe(2)
    await database.client.batch([...statements, ...rollupDeltas(records).map(rollupStatement)], 'write')
    const stored = (await database.client.execute('SELECT * FROM usage_events ORDER BY started_at')).rows.map((row) => usageEventFromRow(row as unknown as Record<string, unknown>))
    expect(stored).toEqual(records.map((r) => ({ ...r, errorCode: r.errorCode ?? null })))

    const log = await queryRequests(database.client, { from: 0, to: 2_000_000_000_000, limit: 2, orgId: 'org' })
    const newest = log.data[0]!
    const expected = new Set([...USAGE_EVENT_COLUMNS.map((column) => column.name).filter((name) => name !== 'raw_usage'), 'cost_usd'])
    expect(new Set(Object.keys(newest))).toEqual(expected)
    expect(newest).toMatchObject({ request_id: 'req_139', started_at: new Date(1_700_000_000_139).toISOString(), streamed: true, partial: true, cost_usd: 1.5, tags: ['a', 'b'], error_code: 'upstream_timeout' })

    const usage = await queryUsage(database.client, { from: 0, to: 2_000_000_000_000 }, 'org')
    expect(new Set(Object.keys(usage.totals))).toEqual(new Set(['group', 'cost_usd', ...ROLLUP_VALUE_COLUMNS.map((column) => column.name)]))
    expect(usage.totals).toMatchObject({ requests: 42, errors: 0, estimated_requests: 41, unpriced_requests: 1, cost_micros: 41 * 1_500_000, cost_usd: 61.5 })
    expect(usage.totals.input_tokens).toBe(records.reduce((n, r) => n + r.inputTokens, 0))
  } finally {
    database.close()
  }
})
