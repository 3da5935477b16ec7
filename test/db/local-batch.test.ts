// The native batch writer on a local file stores exactly what the libSQL Client stores, all or nothing per batch.
import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase, type Database } from '../../src/db/client.ts'
import { batchWriterFor, openLocalBatchWriter } from '../../src/db/local-batch.ts'
import { runMigrations } from '../../src/db/migrate.ts'
import { newId } from '../../src/auth/key-format.ts'
import type { UsageRecord } from '../../src/metering/worker/usage-record.ts'
import { recordStatements, UsageWriter } from '../../src/metering/worker/usage-writer.ts'
import type { BatchWriter } from '../../src/db/local-batch.ts'

const dir = mkdtempSync(join(tmpdir(), 'sociaro-local-batch-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const T0 = Date.UTC(2026, 11, 1, 22, 59, 0)

/** A varied batch: every cost status, nulls, booleans both ways, errors, several buckets (the hour turns at i = 60). */
function records(): UsageRecord[] {
  const statuses = ['priced', 'estimated', 'unpriced', 'no_usage', 'mock', 'refused'] as const
  return Array.from({ length: 150 }, (_, i) => {
    const at = T0 + i * 1_000
    const costStatus = statuses[i % statuses.length]!
    return {
      requestId: newId('req', at), startedAt: at, orgId: `org_${i % 2}`, keyId: `key_${i % 4}`, provider: i % 3 ? 'openai' : 'anthropic',
      model: i % 7 === 0 ? null : `model-${i % 3}`, endpoint: '/v1/chat/completions', method: 'POST', status: i % 9 === 0 ? 502 : 200,
      streamed: i % 2 === 0, inputTokens: 10 + i, outputTokens: 5 + (i % 4), cacheReadTokens: i % 3, cacheWriteTokens: i % 5, reasoningTokens: i % 2,
      images: i % 10 === 0 ? 2 : null, videoSeconds: null, audioSeconds: i % 11 === 0 ? 3 : null,
      costMicros: costStatus === 'unpriced' ? null : costStatus === 'priced' || costStatus === 'estimated' ? 1_000 + i : 0, costStatus,
      usageSource: costStatus === 'estimated' ? 'estimated' : costStatus === 'priced' ? 'reported' : 'none', priceSource: costStatus === 'priced' ? 'genai-prices' : null,
      costDetail: costStatus === 'unpriced' ? 'no price for model' : null, endedBy: i % 9 === 0 ? 'upstream_error' : i % 13 === 0 ? 'client_abort' : 'complete',
      partial: i % 13 === 0, ttfbMs: i % 5 === 0 ? null : i, durationMs: 40 + i, user: i % 4 ? null : `user-${i}`, tags: i % 6 ? null : '["a","b"]',
      rawUsage: i % 2 ? `{"usage":{"prompt_tokens":${10 + i}}}` : null, ...(i % 8 === 0 ? { errorCode: 'upstream_unreachable' } : {}),
    }
  })
}

async function fresh(name: string): Promise<Database> {
  const database = await openDatabase(`file:${join(dir, name)}`)
  await runMigrations(database.db)
  return database
}

async function writeAll(writeTo: BatchWriter, rows: UsageRecord[]): Promise<void> {
  const writer = new UsageWriter(writeTo, { flushIntervalMs: 1, flushRows: 64, maxPendingRows: 10_000, onWritten: () => {}, onError: (message) => { throw new Error(message) } })
  writer.add(rows)
  expect(await writer.drain(Date.now() + 10_000)).toBe(true)
}

async function contents(database: Database) {
  const events = (await database.client.execute('SELECT * FROM usage_events ORDER BY request_id')).rows
  const rollups = (await database.client.execute('SELECT * FROM usage_rollups ORDER BY grain, bucket_start, org_id, key_id, provider, model')).rows
  return { events: events.map((row) => ({ ...row })), rollups: rollups.map((row) => ({ ...row })) }
}

test('rows and rollups written natively equal those written through the Client, and the Client reads them at once', async () => {
  const rows = records()
  const viaClient = await fresh('client.sqlite')
  const viaNative = await fresh('native.sqlite')
  const native = batchWriterFor(viaNative)
  try {
    expect(native.rowsPerInsert).toBe(1)
    await writeAll(viaClient.client, rows)
    await writeAll(native, rows)
    const expected = await contents(viaClient)
    const actual = await contents(viaNative)
    expect(actual.events).toHaveLength(rows.length)
    expect(actual).toEqual(expected)
    expect(actual.rollups.length).toBeGreaterThan(8)
    expect(actual.events.filter((row) => row.cost_micros === null)).toHaveLength(rows.filter((row) => row.costMicros === null).length)
  } finally {
    native.close()
    viaClient.close()
    viaNative.close()
  }
})

test('a failing statement rolls the whole batch back, and the connection takes the next batch', async () => {
  const database = await fresh('rollback.sqlite')
  const native = openLocalBatchWriter(database.file!.path)
  try {
    const rows = records().slice(0, 5)
    const broken = { sql: 'INSERT INTO usage_events (request_id) VALUES (?)', args: ['req_missing_not_null_columns'] }
    await expect(native.batch([...recordStatements(rows, 1), broken], 'write')).rejects.toThrow(/NOT NULL/)
    expect((await database.client.execute('SELECT COUNT(*) AS n FROM usage_events')).rows[0]!.n).toBe(0)
    await native.batch(recordStatements(rows, 1), 'write')
    expect((await database.client.execute('SELECT COUNT(*) AS n FROM usage_events')).rows[0]!.n).toBe(5)
  } finally {
    native.close()
    database.close()
  }
})

test('while another connection holds the write lock a batch fails as busy after its timeout, and succeeds once it is released', async () => {
  const database = await fresh('busy.sqlite')
  const native = openLocalBatchWriter(database.file!.path, 50)
  try {
    const holder = await database.client.transaction('write')
    await holder.execute("UPDATE usage_rollups SET requests = requests WHERE 0")
    const started = Date.now()
    await expect(native.batch(recordStatements(records().slice(0, 2), 1), 'write')).rejects.toThrow(/busy|locked/i)
    expect(Date.now() - started).toBeGreaterThanOrEqual(40)
    await holder.commit()
    holder.close()
    await native.batch(recordStatements(records().slice(0, 2), 1), 'write')
    expect((await database.client.execute('SELECT COUNT(*) AS n FROM usage_events')).rows[0]!.n).toBe(2)
  } finally {
    native.close()
    database.close()
  }
})
