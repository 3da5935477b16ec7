// Retention prunes raw usage rows past their age and never the rollups that analytics read.
import { expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../../src/db/client.ts'
import { runMigrations } from '../../src/db/migrate.ts'
import { rollupDeltas } from '../../src/metering/worker/rollups.ts'
import type { UsageRecord } from '../../src/metering/worker/usage-record.ts'
import { recordStatements, rollupStatement } from '../../src/metering/worker/usage-writer.ts'
import { startTestGateway } from '../support/test-gateway.ts'
import { queryRows } from '../support/usage-rows.ts'

const DAY = 86_400_000

function row(id: string, startedAt: number): UsageRecord {
  return {
    requestId: id, startedAt, orgId: 'org_x', keyId: 'key_x', provider: 'openai', model: 'gpt-4o-mini', endpoint: '/v1/chat/completions',
    method: 'POST', status: 200, streamed: false, inputTokens: 100, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0,
    reasoningTokens: 0, images: null, videoSeconds: null, audioSeconds: null, costMicros: 42, costStatus: 'priced', usageSource: 'reported',
    priceSource: 'genai-prices', costDetail: null, endedBy: 'complete', partial: false, ttfbMs: 5, durationMs: 9, user: null, tags: null, rawUsage: null,
  }
}

test('raw rows older than SOCIARO_USAGE_RETENTION_DAYS are pruned; rollups stay', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sociaro-retention-'))
  const dbUrl = `file:${join(dir, 'r.db')}`
  const database = await openDatabase(dbUrl)
  await runMigrations(database.db)
  const records = [row('req_old', Date.now() - 200 * DAY), row('req_new', Date.now() - DAY)]
  await database.client.batch([...recordStatements(records), ...rollupDeltas(records).map(rollupStatement)], 'write')
  database.close()

  const gw = await startTestGateway({ env: { SOCIARO_DATABASE_URL: dbUrl, SOCIARO_USAGE_RETENTION_DAYS: '30' } })
  try {
    let ids: string[] = []
    for (let i = 0; i < 50; i++) {
      ids = (await queryRows(dbUrl, 'SELECT request_id FROM usage_events ORDER BY request_id')).map((r) => String(r.request_id))
      if (ids.length === 1) break
      await Bun.sleep(50)
    }
    expect(ids).toEqual(['req_new'])
    const rollups = await queryRows(dbUrl, "SELECT SUM(requests) AS n, SUM(cost_micros) AS cost FROM usage_rollups WHERE grain = 'day'")
    expect(rollups[0]).toEqual({ n: 2, cost: 84 } as never)
    const usage = (await (await gw.admin('GET', `/usage?from=${new Date(Date.now() - 365 * DAY).toISOString()}&group_by=day`)).json()) as { totals: { requests: number } }
    expect(usage.totals.requests).toBe(2)
  } finally {
    await gw.stop()
    rmSync(dir, { recursive: true, force: true })
  }
})
