// Migration 0005 upgrades a database made by the previous schema with rows in it: rows kept, the time index replaces model × time.
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
import { recordStatements, rollupStatement } from '../../src/metering/worker/usage-writer.ts'

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
    await database.client.batch([...recordStatements(rows), ...rollupDeltas(rows).map(rollupStatement)], 'write')
    const before = (await database.client.execute('SELECT * FROM usage_events ORDER BY request_id')).rows.map((row) => ({ ...row }))
    const rollupsBefore = (await database.client.execute('SELECT * FROM usage_rollups ORDER BY grain, bucket_start, org_id, key_id, model')).rows.map((row) => ({ ...row }))

    await runMigrations(database.db)
    expect(await indexesOf(database)).toEqual(['usage_key_time_idx', 'usage_org_time_idx', 'usage_time_idx'])
    expect((await database.client.execute('SELECT * FROM usage_events ORDER BY request_id')).rows.map((row) => ({ ...row }))).toEqual(before)
    expect((await database.client.execute('SELECT * FROM usage_rollups ORDER BY grain, bucket_start, org_id, key_id, model')).rows.map((row) => ({ ...row }))).toEqual(rollupsBefore)
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
