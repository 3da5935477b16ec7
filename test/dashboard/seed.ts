// Seeds a running test gateway for the dashboard tests: a second org, users of each role, and usage rows with their rollups.
import { openDatabase } from '../../src/db/client.ts'
import { DAY_MS } from '../../src/db/rollup-buckets.ts'
import { rollupSeedSql } from '../support/rollup-seed.ts'
import { usageEvents } from '../../src/db/schema.ts'
import type { TestGateway } from '../support/test-gateway.ts'

export const PASSWORD = 'dashboard test password'

export interface Seeded {
  /** The test gateway's org ("test-org"), its admin and viewer, and a second key of it. */
  viewer: string
  admin: string
  otherKeyId: string
  /** Another org with a key and usage of its own: never visible from test-org's sessions. */
  globexOrgId: string
  globexKeyId: string
  globexAdmin: string
}

async function createUser(gw: TestGateway, org: string, email: string, role: string): Promise<void> {
  const response = await gw.admin('POST', '/users', { org, email, role, password: PASSWORD })
  if (response.status !== 201) throw new Error(`user creation failed: ${response.status} ${await response.text()}`)
}

/**
 * `rows` usage rows per key over the `days` days before `now`: cost and tokens vary by row, some are errors, some
 * estimated, some unpriced; the rollups are summed from them in SQL (as the metering worker would have written them).
 */
export async function seedDashboard(gw: TestGateway, now: number, rows = 120, days = 3): Promise<Seeded> {
  const other = await gw.createKey({ name: 'second' })
  const globex = (await (await gw.admin('POST', '/orgs', { name: 'globex', time_zone: 'America/Los_Angeles' })).json()) as { id: string }
  const globexKey = (await (await gw.admin('POST', '/keys', { org: 'globex', name: 'globex-key' })).json()) as { id: string }
  await createUser(gw, 'test-org', 'viewer@test.example', 'viewer')
  await createUser(gw, 'test-org', 'admin@test.example', 'admin')
  await createUser(gw, 'globex', 'admin@globex.example', 'admin')

  const database = await openDatabase(gw.dbUrl)
  try {
    const span = days * DAY_MS
    const records: (typeof usageEvents.$inferInsert)[] = []
    const scopes = [
      { orgId: gw.orgId, keyId: gw.keyId, model: 'gpt-4o-mini' },
      { orgId: gw.orgId, keyId: other.id, model: 'gpt-4o' },
      { orgId: globex.id, keyId: globexKey.id, model: 'gpt-4o' },
    ]
    for (const [s, scope] of scopes.entries()) {
      for (let i = 0; i < rows; i++) {
        const failed = i % 17 === 0
        const unpriced = !failed && i % 23 === 0
        const estimated = !failed && !unpriced && i % 11 === 0
        records.push({
          requestId: `req_dash_${s}_${i.toString().padStart(6, '0')}`,
          startedAt: now - span + Math.floor(((i + 0.5) * span) / rows),
          orgId: scope.orgId,
          keyId: scope.keyId,
          provider: 'openai',
          model: scope.model,
          endpoint: '/v1/chat/completions',
          method: 'POST',
          status: failed ? 500 : 200,
          streamed: i % 3 === 0,
          inputTokens: failed ? 0 : 100 + (i % 50),
          outputTokens: failed ? 0 : 20 + (i % 30),
          costMicros: failed ? 0 : unpriced ? null : 250 + (i % 7) * 1000 + s * 100_000,
          costStatus: failed ? 'no_usage' : unpriced ? 'unpriced' : estimated ? 'estimated' : 'priced',
          usageSource: failed || unpriced ? 'none' : estimated ? 'estimated' : 'reported',
          priceSource: failed || unpriced ? null : 'genai-prices',
          endedBy: 'complete',
          durationMs: 40 + (i % 9),
          ttfbMs: 12 + (i % 5),
          user: i % 4 === 0 ? 'alice' : i % 4 === 1 ? 'bob' : null,
          tags: i % 5 === 0 ? '["team=search","env=prod"]' : i % 5 === 1 ? '["env=prod"]' : null,
        })
      }
    }
    for (let i = 0; i < records.length; i += 200) await database.db.insert(usageEvents).values(records.slice(i, i + 200))
    for (const statement of rollupSeedSql("request_id LIKE 'req_dash_%'")) await database.client.execute(statement)
  } finally {
    database.close()
  }
  return { viewer: 'viewer@test.example', admin: 'admin@test.example', otherKeyId: other.id, globexOrgId: globex.id, globexKeyId: globexKey.id, globexAdmin: 'admin@globex.example' }
}

export interface SeedJob {
  orgId: string
  keyId: string
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled' | 'expired' | 'unknown'
  createdAt: number
  provider?: string
  model?: string
  resultExpiresAt?: number | null
  reservedMicros?: number | null
  /** Set: settled at this cost (null: settled unpriced). */
  costMicros?: number | null
}

/** Writes jobs ledger rows as the metering worker would have (ids job_seed_…), in one statement per 500. */
export async function seedJobs(dbUrl: string, jobs: readonly SeedJob[], prefix = 'seed'): Promise<string[]> {
  const database = await openDatabase(dbUrl)
  const ids: string[] = []
  try {
    for (let at = 0; at < jobs.length; at += 500) {
      const slice = jobs.slice(at, at + 500)
      await database.client.batch(
        slice.map((job, i) => {
          const id = `job_${prefix}${String(at + i).padStart(7, '0')}`
          ids.push(id)
          const settled = job.costMicros !== undefined
          return {
            sql: `INSERT INTO jobs (id, provider, provider_job_id, org_id, key_id, request_id, model, kind, create_path, upstream_base, credential_ref, params, status, raw_status,
              created_at, updated_at, finished_at, result_expires_at, reserved_micros, cost_micros, cost_status, settled_at, next_poll_at)
              VALUES (?, ?, ?, ?, ?, ?, ?, 'batch', '/v1/batches', 'https://api.openai.com', 'env:abcd1234', '{}', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            args: [
              id, job.provider ?? 'openai', `batch_${prefix}_${at + i}`, job.orgId, job.keyId, `req_${id}`, job.model ?? 'gpt-4o-mini', job.status, `raw_${job.status}`,
              job.createdAt, job.createdAt, settled ? job.createdAt + 60_000 : null, job.resultExpiresAt ?? null, job.reservedMicros ?? null,
              settled ? (job.costMicros ?? null) : null, settled ? (job.costMicros === null ? 'unpriced' : 'priced') : null, settled ? job.createdAt + 60_000 : null,
              settled ? null : job.createdAt + 30_000,
            ],
          }
        }),
        'write',
      )
    }
  } finally {
    database.close()
  }
  return ids
}
