// Usage rows per second through the writer's insert path (statements built, batched, committed) into a temp file database.
// Run: bun test/bench/usage-insert.ts [rows]   (prints figures; nothing is asserted)
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../../src/db/client.ts'
import { runMigrations } from '../../src/db/migrate.ts'
import { rollupDeltas } from '../../src/metering/worker/rollups.ts'
import type { UsageRecord } from '../../src/metering/worker/usage-record.ts'
import { recordStatements, rollupStatement } from '../../src/metering/worker/usage-writer.ts'

const ROWS = Number(process.argv[2] ?? 20_000)
/** Rows per transaction, as the meter worker's default flush. */
const BATCH = 500

function record(i: number): UsageRecord {
  return {
    requestId: `req_${i.toString().padStart(12, '0')}`, startedAt: 1_700_000_000_000 + i * 997, orgId: `org_${i % 3}`, keyId: `key_${i % 17}`,
    provider: 'openai', model: i % 2 ? 'gpt-4o-mini' : 'gpt-4o', endpoint: '/v1/chat/completions', method: 'POST', status: 200, streamed: i % 2 === 0,
    inputTokens: 100 + (i % 50), outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, images: null, videoSeconds: null,
    audioSeconds: null, costMicros: 37, costStatus: 'priced', usageSource: 'reported', priceSource: 'genai-prices', costDetail: null,
    endedBy: 'complete', partial: false, errorCode: null, ttfbMs: 12, durationMs: 40, user: null, tags: '["a"]',
    rawUsage: '{"model":"gpt-4o-mini","usage":{"prompt_tokens":100,"completion_tokens":20}}',
  }
}

const records = Array.from({ length: ROWS }, (_, i) => record(i))

// Statement building alone (the CPU the refactor could change), repeated for a stable figure.
let built = 0
const buildStart = performance.now()
for (let round = 0; round < 10; round++) for (let i = 0; i < ROWS; i += BATCH) built += recordStatements(records.slice(i, i + BATCH)).length
const buildMs = performance.now() - buildStart

const dir = mkdtempSync(join(tmpdir(), 'sociaro-insert-bench-'))
const database = await openDatabase(`file:${join(dir, 'db.sqlite')}`)
try {
  await runMigrations(database.db)
  const start = performance.now()
  for (let i = 0; i < ROWS; i += BATCH) {
    const batch = records.slice(i, i + BATCH)
    await database.client.batch([...recordStatements(batch), ...rollupDeltas(batch).map(rollupStatement)], 'write')
  }
  const ms = performance.now() - start
  const stored = Number((await database.client.execute('SELECT COUNT(*) AS n FROM usage_events')).rows[0]!.n)
  console.log(`stored ${stored} rows in ${ms.toFixed(0)} ms: ${Math.round((ROWS / ms) * 1000)} rows/s (batches of ${BATCH}, with rollups)`)
  console.log(`statement building alone: ${Math.round(((ROWS * 10) / buildMs) * 1000)} rows/s (${built} statements)`)
} finally {
  database.close()
  rmSync(dir, { recursive: true, force: true })
}
