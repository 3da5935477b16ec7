// Usage by user, tag and status from the rollups, and exact local days in half- and quarter-hour zones (Asia/Kolkata, Asia/Kathmandu): the same totals on every page and in the raw request log.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { openDatabase } from '../../src/db/client.ts'
import { rollupArgs, ROLLUP_UPSERT_SQL, pushUsageEventArgs, usageInsertSql } from '../../src/db/usage-columns.ts'
import { steadyHourPhase } from '../../src/analytics/zone-hours.ts'
import { rollupDeltas } from '../../src/metering/worker/rollups.ts'
import type { UsageRecord } from '../../src/metering/worker/usage-record.ts'
import type { UsageReport } from '../../src/types/dashboard-api.ts'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'
import { PASSWORD, seedDashboard, type Seeded } from './seed.ts'

const MIN = 60_000
const HOUR = 60 * MIN
let gw: TestGateway
let seeded: Seeded
const now = Date.now()

async function cookieOf(email: string): Promise<string> {
  const response = await fetch(`${gw.url}/dashboard/api/login`, { method: 'POST', headers: { origin: gw.url, 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) })
  expect(response.status).toBe(200)
  return (response.headers.get('set-cookie') ?? '').split(';')[0]!
}
const usage = async (cookie: string, search: string): Promise<UsageReport> => {
  const response = await fetch(`${gw.url}/dashboard/api/usage?${search}`, { headers: { cookie } })
  if (response.status !== 200) throw new Error(`${response.status} ${await response.text()}`)
  return (await response.json()) as UsageReport
}
/** Every row of the request log for a filter, page by page: what the Requests page would list. */
async function logged(cookie: string, search: string): Promise<{ status: number; cost_micros: number | null }[]> {
  const rows: { status: number; cost_micros: number | null }[] = []
  let cursor: string | null = null
  do {
    const response = await fetch(`${gw.url}/dashboard/api/requests?${search}&limit=500${cursor ? `&cursor=${cursor}` : ''}`, { headers: { cookie } })
    expect(response.status).toBe(200)
    const page = (await response.json()) as { data: { status: number; cost_micros: number | null }[]; next_cursor: string | null }
    rows.push(...page.data)
    cursor = page.next_cursor
  } while (cursor)
  return rows
}

/** A usage row and its rollups written by the metering worker's own fold (rollupDeltas), as one batch. */
async function meter(records: UsageRecord[]): Promise<void> {
  const database = await openDatabase(gw.dbUrl)
  try {
    const args: Parameters<typeof pushUsageEventArgs>[1] = []
    for (const record of records) pushUsageEventArgs(record, args)
    await database.client.batch([{ sql: usageInsertSql(records.length), args }, ...rollupDeltas(records).map((delta) => ({ sql: ROLLUP_UPSERT_SQL, args: rollupArgs(delta) }))], 'write')
  } finally {
    database.close()
  }
}

function record(orgId: string, keyId: string, at: number, i: number): UsageRecord {
  return {
    requestId: `req_zone_${orgId.slice(-6)}_${i}`, startedAt: at, orgId, keyId, provider: 'openai', model: 'gpt-4o-mini', endpoint: '/v1/chat/completions', method: 'POST',
    status: 200, streamed: false, inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, images: null, videoSeconds: null, audioSeconds: null,
    costMicros: 1000 * (i + 1), costStatus: 'priced', usageSource: 'reported', priceSource: 'genai-prices', costDetail: null, endedBy: 'complete', partial: false, ttfbMs: 5, durationMs: 9,
    user: null, tags: null, rawUsage: null, errorCode: null,
  }
}

beforeAll(async () => {
  gw = await startTestGateway()
  seeded = await seedDashboard(gw, now)
})
afterAll(async () => {
  await gw?.stop()
})

test('filters by user, tag and status: the rollup totals equal the request log rows they stand for, and the groups add up', async () => {
  const viewer = await cookieOf(seeded.viewer)
  const range = `from=${new Date(now - 4 * 86_400_000).toISOString()}&to=${new Date(now + HOUR).toISOString()}`
  for (const filter of ['user=alice', 'user=bob', 'tag=env%3Dprod', 'tag=team%3Dsearch', 'status=error', 'status=ok', 'user=alice&tag=env%3Dprod&status=ok', `key=${seeded.otherKeyId}&tag=env%3Dprod`]) {
    const rows = await logged(viewer, `${range}&${filter}`)
    const hourly = await usage(viewer, `group_by=hour&${range}&${filter}`)
    const byModel = await usage(viewer, `group_by=model&${range}&${filter}`)
    expect(rows.length).toBeGreaterThan(0)
    expect(hourly.totals.requests).toBe(rows.length)
    expect(hourly.totals.cost_micros).toBe(rows.reduce((n, r) => n + (r.cost_micros ?? 0), 0))
    expect(byModel.totals).toEqual(hourly.totals)
    // The admin API takes the same filters and reads the same rollups.
    const admin = await gw.admin('GET', `/usage?org=${gw.orgId}&group_by=hour&time_zone=${encodeURIComponent(hourly.time_zone)}&${range}&${filter}`)
    expect(admin.status).toBe(200)
    expect(((await admin.json()) as UsageReport).totals).toEqual(hourly.totals)
  }
  expect((await gw.admin('GET', '/usage?group_by=hour&status=maybe')).status).toBe(400)
  // Every request carries at most one user: the user groups partition the total.
  const all = await usage(viewer, `group_by=hour&${range}`)
  const byUser = await usage(viewer, `group_by=user&${range}`)
  expect(byUser.data.map((row) => row.group).sort()).toEqual(['', 'alice', 'bob'])
  expect(byUser.totals).toEqual(all.totals)
  expect(all.totals.requests).toBe(240)
  const errors = await usage(viewer, `group_by=provider&${range}&status=error`)
  expect(errors.totals.requests).toBe(errors.totals.errors)
  // The split grains and the unsplit ones are written from the same rows: ok + error is the unfiltered total, field by field.
  const ok = await usage(viewer, `group_by=provider&${range}&status=ok`)
  for (const field of ['requests', 'errors', 'input_tokens', 'output_tokens', 'cost_micros', 'unpriced_requests', 'estimated_requests'] as const) {
    expect(ok.totals[field] + errors.totals[field]).toBe(all.totals[field])
  }
  expect((await fetch(`${gw.url}/dashboard/api/usage?group_by=hour&status=maybe`, { headers: { cookie: viewer } })).status).toBe(400)
  // Another org's users are not this org's: the same filter from globex finds only globex rows.
  const globex = await cookieOf(seeded.globexAdmin)
  expect((await usage(globex, `group_by=hour&${range}&user=alice`)).totals.requests).toBe(30)
})

test('Asia/Kolkata and Asia/Kathmandu: hours start on their own :30 and :45, and rows around local midnight land on their own local day', async () => {
  for (const [zone, phase, name] of [['Asia/Kolkata', 30 * MIN, 'kolkata'], ['Asia/Kathmandu', 15 * MIN, 'kathmandu']] as const) {
    const org = (await (await gw.admin('POST', '/orgs', { name, time_zone: zone })).json()) as { id: string }
    const key = (await (await gw.admin('POST', '/keys', { org: name, name: `${name}-key` })).json()) as { id: string }
    expect((await gw.admin('POST', '/users', { org: name, email: `viewer@${name}.example`, role: 'viewer', password: PASSWORD })).status).toBe(201)
    // Local midnight of 2026-03-10 is 2026-03-09T18:30Z in Kolkata (UTC+5:30), 18:15Z in Kathmandu (UTC+5:45).
    const midnight = Date.UTC(2026, 2, 9, 18, 0) + phase
    const offsets = [-50 * MIN, -20 * MIN, -1, 0, 10 * MIN, 29 * MIN, 31 * MIN, 70 * MIN]
    await meter(offsets.map((offset, i) => record(org.id, key.id, midnight + offset, i)))
    const viewer = await cookieOf(`viewer@${name}.example`)
    const day = (from: number, to: number) => `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`
    // The local day before ends at local midnight: exactly the three rows before it, whatever UTC hour they share.
    const before = await usage(viewer, `group_by=hour&${day(midnight - 24 * HOUR, midnight)}`)
    expect(before.totals.requests).toBe(3)
    expect(before.totals.cost_micros).toBe(1000 + 2000 + 3000)
    // Filtered, from the split quarter hours: as exact.
    expect((await usage(viewer, `group_by=hour&status=ok&${day(midnight - 24 * HOUR, midnight)}`)).totals.requests).toBe(3)
    const after = await usage(viewer, `group_by=hour&${day(midnight, midnight + 24 * HOUR)}`)
    expect(after.totals.requests).toBe(5)
    // Hour groups start at the zone's local hours (UTC instants ≡ phase mod one hour), and hold the rows of that local hour.
    expect(after.data.map((row) => [row.group, row.requests])).toEqual([
      [new Date(midnight).toISOString(), 4],
      [new Date(midnight + HOUR).toISOString(), 1],
    ])
    expect(before.data.map((row) => [row.group, row.requests])).toEqual([[new Date(midnight - HOUR).toISOString(), 3]])
    // Day groups are the zone's own days (hours, with the midnight hour read in quarters), the same totals again.
    const days = await usage(viewer, `group_by=day&${day(midnight - 24 * HOUR, midnight + 24 * HOUR)}`)
    expect(days.data.map((row) => [row.group, row.requests])).toEqual([
      [new Date(midnight - 24 * HOUR).toISOString(), 3],
      [new Date(midnight).toISOString(), 5],
    ])
    expect((await usage(viewer, `group_by=day&user=nobody&${day(midnight - 24 * HOUR, midnight + 24 * HOUR)}`)).totals.requests).toBe(0)
    // A range of decades (some 10,000 local midnights) answers the same days: the midnight hours are found by a test
    // of fixed size, not listed one SQL variable each (SQLite refuses past about 32,000).
    const decades = await usage(viewer, `group_by=day&${day(Date.UTC(2000, 0, 1) + phase - 6 * HOUR, midnight + 24 * HOUR)}`)
    expect(decades.data.filter((row) => row.requests > 0).map((row) => [row.group, row.requests])).toEqual(days.data.map((row) => [row.group, row.requests]))
    // A grouping over the same local day reads the same buckets, so the pages agree.
    expect((await usage(viewer, `group_by=key&${day(midnight, midnight + 24 * HOUR)}`)).totals).toEqual(after.totals)
    expect((await usage(viewer, `group_by=provider&${day(midnight - 24 * HOUR, midnight)}`)).totals).toEqual(before.totals)
  }
})

test('the worker folds a record into its quarter hour, hour and day, and into its quarter hour and hour split by user, tags and outcome', () => {
  const at = Date.UTC(2026, 2, 9, 18, 40, 12)
  const deltas = rollupDeltas([{ ...record('org_x', 'key_x', at, 0), user: 'u1', tags: '["a"]', status: 429 }])
  expect(deltas.map((d) => [d.grain, new Date(d.bucketStart).toISOString(), d.user, d.tags, d.outcome, d.requests, d.errors])).toEqual([
    ['quarter', '2026-03-09T18:30:00.000Z', '', '', '', 1, 1],
    ['hour', '2026-03-09T18:00:00.000Z', '', '', '', 1, 1],
    ['day', '2026-03-09T00:00:00.000Z', '', '', '', 1, 1],
    ['quarter_dims', '2026-03-09T18:30:00.000Z', 'u1', '["a"]', 'error', 1, 1],
    ['hour_dims', '2026-03-09T18:00:00.000Z', 'u1', '["a"]', 'error', 1, 1],
  ])
})

test('a zone whose hour phase changes within the range (Lord Howe: half-hour DST) is left to quarter hours', () => {
  expect(steadyHourPhase(Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 8), 'Asia/Kolkata')).toBe(30 * MIN)
  expect(steadyHourPhase(Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 8), 'Europe/Berlin')).toBe(0)
  expect(steadyHourPhase(Date.UTC(2026, 2, 30), Date.UTC(2026, 3, 10), 'Australia/Lord_Howe')).toBeUndefined()
})
