// Migrations 0005 and later upgrade a database made by the schema before them with rows in it: rows kept, the time index replaces model × time, rollups gain their dimensions and quarter hours.
import { afterAll, expect, test } from 'bun:test'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { migrate } from 'drizzle-orm/libsql/migrator'
import { queryRequests } from '../../src/analytics/usage-query.ts'
import { openDatabase } from '../../src/db/client.ts'
import { migrationsFolder, runMigrations } from '../../src/db/migrate.ts'
import { rollupDeltas } from '../../src/metering/worker/rollups.ts'
import type { UsageRecord } from '../../src/metering/worker/usage-record.ts'
import { recordStatements } from '../../src/metering/worker/usage-writer.ts'

/** usage_rollups as migrations 0000–0009 made it. */
const OLD_ROLLUP_COLUMNS = 'grain, bucket_start, org_id, key_id, provider, model, requests, errors, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_micros, unpriced_requests, estimated_requests'

const dir = mkdtempSync(join(tmpdir(), 'sociaro-usage-index-migration-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The migrations folder as it was before 0005: the same files, the journal cut before it. */
function previousMigrations(): string {
  const folder = join(dir, 'drizzle-before')
  cpSync(migrationsFolder(), folder, { recursive: true })
  const journalPath = join(folder, 'meta/_journal.json')
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] }
  const at = journal.entries.findIndex((entry) => entry.tag === '0005_usage_time_index')
  expect(at).toBe(5)
  journal.entries = journal.entries.slice(0, at)
  writeFileSync(journalPath, JSON.stringify(journal))
  return folder
}

function record(i: number): UsageRecord {
  return {
    // Random-looking ids, as the previous version made them.
    requestId: `req_${(i * 7_919).toString(36).padStart(20, 'x')}`, startedAt: 1_700_000_000_000 + i * 60_000, orgId: `org_${i % 2}`, keyId: `key_${i % 3}`,
    provider: 'openai', model: i % 2 ? 'gpt-4o-mini' : 'gpt-4o', endpoint: '/v1/chat/completions', method: 'POST', status: 200, streamed: false,
    inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, images: null, videoSeconds: null, audioSeconds: null,
    costMicros: 30 + i, costStatus: 'priced', usageSource: 'reported', priceSource: 'genai-prices', costDetail: null, endedBy: 'complete', partial: false,
    errorCode: null, ttfbMs: 1, durationMs: 2, user: null, tags: null, rawUsage: '{"usage":{"prompt_tokens":10,"completion_tokens":5}}',
  }
}

const indexesOf = async (database: Awaited<ReturnType<typeof openDatabase>>) =>
  (await database.client.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'usage_events' AND sql IS NOT NULL ORDER BY name")).rows.map((row) => String(row.name))

test('a database of the previous schema keeps its rows and rollups and gets usage_time_idx in place of usage_model_time_idx', async () => {
  const database = await openDatabase(`file:${join(dir, 'upgrade.sqlite')}`)
  try {
    await migrate(database.db, { migrationsFolder: previousMigrations() })
    expect(await indexesOf(database)).toEqual(['usage_key_time_idx', 'usage_model_time_idx', 'usage_org_time_idx'])
    const rows = Array.from({ length: 300 }, (_, i) => record(i))
    // The rollups as the writer of that schema wrote them: hours and days, without the later dimensions.
    const oldRollups = rollupDeltas(rows).filter((d) => d.grain === 'hour' || d.grain === 'day').map((d) => ({
      sql: `INSERT INTO usage_rollups (${OLD_ROLLUP_COLUMNS}) VALUES (${OLD_ROLLUP_COLUMNS.split(', ').map(() => '?').join(', ')}) ON CONFLICT DO UPDATE SET requests = requests + excluded.requests, cost_micros = cost_micros + excluded.cost_micros`,
      args: [d.grain, d.bucketStart, d.orgId, d.keyId, d.provider, d.model, d.requests, d.errors, d.inputTokens, d.outputTokens, d.cacheReadTokens, d.cacheWriteTokens, d.reasoningTokens, d.costMicros, d.unpricedRequests, d.estimatedRequests],
    }))
    await database.client.batch([...recordStatements(rows), ...oldRollups], 'write')
    const before = (await database.client.execute('SELECT * FROM usage_events ORDER BY request_id')).rows.map((row) => ({ ...row }))
    const oldRollupsSql = `SELECT ${OLD_ROLLUP_COLUMNS} FROM usage_rollups WHERE grain IN ('hour', 'day') ORDER BY grain, bucket_start, org_id, key_id, model`
    const rollupsBefore = (await database.client.execute(oldRollupsSql)).rows.map((row) => ({ ...row }))

    await runMigrations(database.db)
    expect(await indexesOf(database)).toEqual(['usage_key_time_idx', 'usage_org_time_idx', 'usage_time_idx'])
    expect((await database.client.execute('SELECT * FROM usage_events ORDER BY request_id')).rows.map((row) => ({ ...row }))).toEqual(before)
    expect((await database.client.execute(oldRollupsSql)).rows.map((row) => ({ ...row }))).toEqual(rollupsBefore)
    // Migration 0010: old buckets are the unsplit sums ('' user, tags and outcome); quarter hours, and the grains split
    // by user, tags and outcome, are summed from the stored rows exactly as the writer sums them.
    const dims = await database.client.execute(`SELECT DISTINCT "user", tags, outcome FROM usage_rollups WHERE grain IN ('hour', 'day', 'quarter')`)
    expect(dims.rows.map((row) => [row.user, row.tags, row.outcome])).toEqual([['', '', '']])
    for (const grain of ['quarter', 'quarter_dims', 'hour_dims']) {
      const stored = await database.client.execute({ sql: `SELECT bucket_start, org_id, key_id, model, "user", tags, outcome, requests, errors, input_tokens, cost_micros FROM usage_rollups WHERE grain = ? ORDER BY bucket_start, org_id, key_id, model, "user", tags, outcome`, args: [grain] })
      const written = rollupDeltas(rows)
        .filter((d) => d.grain === grain)
        .sort((a, b) => a.bucketStart - b.bucketStart || a.orgId.localeCompare(b.orgId) || a.keyId.localeCompare(b.keyId) || a.model.localeCompare(b.model) || a.outcome.localeCompare(b.outcome))
      expect(written.length).toBeGreaterThan(0)
      expect(stored.rows.map((r) => [r.bucket_start, r.org_id, r.key_id, r.model, r.user, r.tags, r.outcome, r.requests, r.errors, r.input_tokens, r.cost_micros])).toEqual(
        written.map((d) => [d.bucketStart, d.orgId, d.keyId, d.model, d.user, d.tags, d.outcome, d.requests, d.errors, d.inputTokens, d.costMicros]),
      )
    }
    expect((await database.client.execute('PRAGMA integrity_check')).rows[0]!.integrity_check).toBe('ok')

    // The queries that used to scan the table now walk the index; a model-filtered log still answers the same rows.
    const plan = async (sql: string, args: (string | number)[]) =>
      (await database.client.execute({ sql: `EXPLAIN QUERY PLAN ${sql}`, args })).rows.map((row) => String(row.detail)).join('; ')
    expect(await plan('DELETE FROM usage_events WHERE started_at < ?', [1_700_000_000_000])).toContain('usage_time_idx')
    expect(await plan('SELECT * FROM usage_events WHERE started_at >= ? AND started_at < ? ORDER BY started_at DESC, request_id DESC LIMIT 10', [0, 2e12])).toContain('usage_time_idx')
    const page = await queryRequests(database.client, { from: 0, to: 2e12, model: 'gpt-4o-mini', limit: 1000 })
    expect(page.data.map((row) => row.request_id).sort()).toEqual(rows.filter((row) => row.model === 'gpt-4o-mini').map((row) => row.requestId).sort())
  } finally {
    database.close()
  }
})
