// The usage writer keeps rows through a database outage (bounded, counted when shed) and writes each row once.
import { expect, test } from 'bun:test'
import type { Client, InStatement } from '@libsql/client'
import type { UsageRecord } from '../../src/metering/worker/usage-record.ts'
import { UsageWriter } from '../../src/metering/worker/usage-writer.ts'

function record(i: number): UsageRecord {
  return {
    requestId: `req_${i}`, startedAt: 1_700_000_000_000 + i, orgId: 'org', keyId: 'key', provider: 'openai', model: 'gpt-4o-mini',
    endpoint: '/v1/chat/completions', method: 'POST', status: 200, streamed: false, inputTokens: 10, outputTokens: 5, cacheReadTokens: 0,
    cacheWriteTokens: 0, reasoningTokens: 0, images: null, videoSeconds: null, audioSeconds: null, costMicros: 3, costStatus: 'priced',
    usageSource: 'reported', priceSource: 'genai-prices', costDetail: null, endedBy: 'complete', partial: false, ttfbMs: 1, durationMs: 2,
    user: null, tags: null, rawUsage: null,
  }
}

/** A database that refuses the first `failures` batches, then stores the inserted request ids. */
function flakyClient(failures: number) {
  const stored: string[] = []
  let calls = 0
  const client = {
    async batch(statements: InStatement[]) {
      calls++
      if (calls <= failures) throw new Error('SQLITE_BUSY: database is locked')
      for (const statement of statements) {
        if (typeof statement !== 'string' && statement.sql.startsWith('INSERT INTO usage_events')) {
          const args = statement.args as unknown[]
          // One row is as many arguments as the statement names columns.
          const columns = statement.sql.slice(statement.sql.indexOf('(') + 1, statement.sql.indexOf(')')).split(',').length
          for (let i = 0; i < args.length; i += columns) stored.push(String(args[i]))
        }
      }
      return []
    },
  } as unknown as Client
  return { client, stored, calls: () => calls }
}

test('rows survive failed writes and are written exactly once when the database returns', async () => {
  const db = flakyClient(2)
  const errors: string[] = []
  const written: string[] = []
  const writer = new UsageWriter(db.client, {
    flushIntervalMs: 5,
    flushRows: 100,
    maxPendingRows: 1000,
    onWritten: (records) => written.push(...records.map((r) => r.requestId)),
    onError: (message) => errors.push(message),
  })
  writer.add([record(1), record(2), record(3)])
  expect(await writer.drain(Date.now() + 10_000)).toBe(true)
  expect(db.stored.sort()).toEqual(['req_1', 'req_2', 'req_3'])
  expect(written.sort()).toEqual(['req_1', 'req_2', 'req_3'])
  expect(writer.writeFailures).toBe(2)
  expect(errors.filter((e) => e.includes('usage write failed'))).toHaveLength(2)
  expect(writer.shedRows).toBe(0)
}, 15_000)

test('memory stays bounded during a long outage: the oldest rows are shed and counted', async () => {
  const db = flakyClient(Number.POSITIVE_INFINITY)
  const errors: string[] = []
  const writer = new UsageWriter(db.client, { flushIntervalMs: 5, flushRows: 10, maxPendingRows: 25, onWritten: () => {}, onError: (m) => errors.push(m) })
  for (let i = 0; i < 40; i++) writer.add([record(i)])
  expect(writer.pendingRows).toBeLessThanOrEqual(25)
  expect(writer.shedRows + writer.pendingRows).toBeGreaterThanOrEqual(30)
  expect(writer.shedRows).toBeGreaterThan(0)
  expect(errors.some((e) => e.includes('shed'))).toBe(true)
  expect(await writer.drain(Date.now() + 200)).toBe(false)
})

test('multi-row inserts carry every column of every row', async () => {
  const db = flakyClient(0)
  const writer = new UsageWriter(db.client, { flushIntervalMs: 5, flushRows: 500, maxPendingRows: 1000, onWritten: () => {}, onError: () => {} })
  writer.add(Array.from({ length: 95 }, (_, i) => record(i)))
  expect(await writer.drain(Date.now() + 5000)).toBe(true)
  expect(new Set(db.stored).size).toBe(95)
})

test('while writes are refused (database file gone) rows stay pending and unacknowledged, and drain gives up at once', async () => {
  const db = flakyClient(0)
  const errors: string[] = []
  const written: string[] = []
  let refusal: string | undefined = 'the database file x was deleted'
  const writer = new UsageWriter(db.client, {
    flushIntervalMs: 5,
    flushRows: 100,
    maxPendingRows: 1000,
    onWritten: (records) => written.push(...records.map((r) => r.requestId)),
    onError: (message, fields) => errors.push(`${message} ${String(fields.error)}`),
    refuseWrites: () => refusal,
  })
  writer.add([record(1), record(2)])
  await writer.flush()
  expect(db.calls()).toBe(0)
  expect(written).toEqual([])
  expect(writer.pendingRows).toBe(2)
  expect(writer.writeFailures).toBe(1)
  expect(errors[0]).toContain('was deleted')
  const started = performance.now()
  expect(await writer.drain(Date.now() + 10_000)).toBe(false)
  expect(performance.now() - started).toBeLessThan(1_000)
  // Refused before any await: the writer must still be free for the next attempt.
  refusal = undefined
  expect(await writer.drain(Date.now() + 10_000)).toBe(true)
  expect(db.stored.sort()).toEqual(['req_1', 'req_2'])
}, 15_000)
