// The dashboard's jobs data over real HTTP: in flight first, status filter, pages, costs settled or reserved, and scoping (another org's jobs and, for a key holder, other keys' jobs unreachable).
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { DashboardJobsPage } from '../../src/types/dashboard-api.ts'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'
import { PASSWORD, seedDashboard, seedJobs, type Seeded } from './seed.ts'

const MIN = 60_000
let gw: TestGateway
let seeded: Seeded
const now = Date.now()

beforeAll(async () => {
  gw = await startTestGateway()
  seeded = await seedDashboard(gw, now, 10, 1)
  const statuses = ['succeeded', 'failed', 'canceled', 'expired'] as const
  // 120 ended jobs of test-org on two keys, 5 in flight among them (older than most), and globex's own 30.
  await seedJobs(gw.dbUrl, [
    ...Array.from({ length: 120 }, (_, i) => ({
      orgId: gw.orgId,
      keyId: i % 2 === 0 ? gw.keyId : seeded.otherKeyId,
      status: statuses[i % 4]!,
      createdAt: now - i * MIN,
      costMicros: statuses[i % 4] === 'succeeded' ? 1_500_000 + i : 0,
      resultExpiresAt: statuses[i % 4] === 'succeeded' ? now + (i < 10 ? 3 * 3_600_000 : 20 * 86_400_000) : null,
    })),
    { orgId: gw.orgId, keyId: gw.keyId, status: 'running', createdAt: now - 200 * MIN, reservedMicros: 2_000_000, resultExpiresAt: now + 86_400_000 * 2 },
    { orgId: gw.orgId, keyId: seeded.otherKeyId, status: 'queued', createdAt: now - 10 * MIN, reservedMicros: 500_000 },
    { orgId: gw.orgId, keyId: gw.keyId, status: 'queued', createdAt: now - 300 * MIN },
    { orgId: gw.orgId, keyId: seeded.otherKeyId, status: 'unknown', createdAt: now - 5 * MIN },
    { orgId: gw.orgId, keyId: gw.keyId, status: 'running', createdAt: now - 1 * MIN },
  ])
  await seedJobs(gw.dbUrl, Array.from({ length: 30 }, (_, i) => ({ orgId: seeded.globexOrgId, keyId: seeded.globexKeyId, status: i % 3 === 0 ? 'running' : 'succeeded', createdAt: now - i * MIN, costMicros: i % 3 === 0 ? undefined : 1000 })), 'globex')
})
afterAll(async () => {
  await gw?.stop()
})

async function cookieOf(body: Record<string, string>, path = '/dashboard/api/login'): Promise<string> {
  const response = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { origin: gw.url, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  expect(response.status).toBe(200)
  return (response.headers.get('set-cookie') ?? '').split(';')[0]!
}
const jobs = async (cookie: string, search = ''): Promise<DashboardJobsPage> => {
  const response = await fetch(`${gw.url}/dashboard/api/jobs${search}`, { headers: { cookie } })
  expect(response.status).toBe(200)
  return (await response.json()) as DashboardJobsPage
}

test('in-flight jobs come first (newest first), then the ended ones page by page, each once', async () => {
  const viewer = await cookieOf({ email: seeded.viewer, password: PASSWORD })
  const first = await jobs(viewer, '?limit=50')
  expect(first.in_flight.map((j) => j.status)).toEqual(['running', 'unknown', 'queued', 'running', 'queued'])
  expect(first.in_flight.map((j) => j.created_at)).toEqual([...first.in_flight.map((j) => j.created_at)].sort().reverse())
  expect(first.data).toHaveLength(50)
  for (const job of first.data) expect(['succeeded', 'failed', 'canceled', 'expired']).toContain(job.status)
  const seen = new Set([...first.in_flight, ...first.data].map((j) => j.id))
  let cursor = first.next_cursor
  while (cursor) {
    const page = await jobs(viewer, `?limit=50&cursor=${encodeURIComponent(cursor)}`)
    expect(page.in_flight).toEqual([])
    for (const job of page.data) {
      expect(seen.has(job.id)).toBe(false)
      seen.add(job.id)
    }
    cursor = page.next_cursor
  }
  expect(seen.size).toBe(125)
  // Costs: settled as billed, in flight as reserved; never upstream or credential details.
  const running = first.in_flight.find((j) => j.reserved_usd === 2)!
  expect(running.settled).toBe(false)
  expect(running.cost_usd).toBeNull()
  const succeeded = first.data.find((j) => j.status === 'succeeded')!
  expect(succeeded.settled).toBe(true)
  expect(succeeded.cost_usd).toBe(1.5)
  for (const job of [...first.in_flight, ...first.data]) {
    expect(job).not.toHaveProperty('credential_ref')
    expect(job).not.toHaveProperty('upstream_base')
    expect(job.provider).toBe('openai')
    expect(job.key_id === gw.keyId || job.key_id === seeded.otherKeyId).toBe(true)
  }
})

test('a status filter lists that status only, and matches the admin API for the same org', async () => {
  const viewer = await cookieOf({ email: seeded.viewer, password: PASSWORD })
  const running = await jobs(viewer, '?status=running')
  expect(running.in_flight).toEqual([])
  expect(running.data.map((j) => j.status)).toEqual(['running', 'running'])
  const failed = await jobs(viewer, '?status=failed&limit=200')
  expect(failed.data).toHaveLength(30)
  const admin = (await (await gw.admin('GET', '/jobs?org=test-org&status=failed&limit=200')).json()) as { data: { id: string; cost_usd: number | null }[] }
  expect(failed.data.map((j) => j.id)).toEqual(admin.data.map((j) => j.id))
  expect(failed.data.map((j) => j.cost_usd)).toEqual(admin.data.map((j) => j.cost_usd))
  const bad = await fetch(`${gw.url}/dashboard/api/jobs?status=done`, { headers: { cookie: viewer } })
  expect(bad.status).toBe(400)
  const badCursor = await fetch(`${gw.url}/dashboard/api/jobs?cursor=nonsense`, { headers: { cookie: viewer } })
  expect(badCursor.status).toBe(400)
})

test("another org's jobs are unreachable, and a key holder sees its key's jobs only", async () => {
  const globex = await cookieOf({ email: seeded.globexAdmin, password: PASSWORD })
  const theirs = await jobs(globex, '?limit=200')
  expect(theirs.in_flight).toHaveLength(10)
  expect(theirs.data).toHaveLength(20)
  for (const job of [...theirs.in_flight, ...theirs.data]) expect(job.key_id).toBe(seeded.globexKeyId)
  // A query string cannot widen the scope.
  const widened = await jobs(globex, `?org=test-org&key=${gw.keyId}&limit=200`)
  for (const job of [...widened.in_flight, ...widened.data]) expect(job.key_id).toBe(seeded.globexKeyId)

  const holder = await cookieOf({ key: gw.key }, '/dashboard/api/login/key')
  const own = await jobs(holder, '?limit=200')
  expect(own.in_flight.map((j) => j.status)).toEqual(['running', 'running', 'queued'])
  expect(own.data).toHaveLength(60)
  for (const job of [...own.in_flight, ...own.data]) expect(job.key_id).toBe(gw.keyId)
  const filtered = await jobs(holder, `?status=queued&key=${seeded.otherKeyId}`)
  expect(filtered.data.map((j) => j.key_id)).toEqual([gw.keyId])
})
