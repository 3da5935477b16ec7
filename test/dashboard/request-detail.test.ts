// A request's detail: its stored row and its cost split by token kind (cached input, cache write, input, output, reasoning, media), priced from the stored counts on the query worker; scoped to the session's org and key.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { openDatabase } from '../../src/db/client.ts'
import { usageEvents } from '../../src/db/schema.ts'
import type { RequestDetail } from '../../src/types/dashboard-api.ts'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'
import { PASSWORD, seedDashboard, type Seeded } from './seed.ts'

let gw: TestGateway
let seeded: Seeded

// $2 / $0.50 / $2.50 / $8 per million input, cached, cache-write and output tokens; $0.04 per image.
const RATES = { input_usd_per_mtok: 2, cache_read_usd_per_mtok: 0.5, cache_write_usd_per_mtok: 2.5, output_usd_per_mtok: 8, usd_per_image: 0.04 }

beforeAll(async () => {
  gw = await startTestGateway()
  seeded = await seedDashboard(gw, Date.now(), 5, 1)
  expect((await gw.admin('POST', '/prices', { provider: 'openai', model: 'split-model', ...RATES })).status).toBe(201)
  const database = await openDatabase(gw.dbUrl)
  const base = {
    startedAt: Date.now() - 60_000, orgId: gw.orgId, keyId: gw.keyId, provider: 'openai', endpoint: '/v1/chat/completions', method: 'POST', status: 200, streamed: false,
    costStatus: 'priced' as const, usageSource: 'reported' as const, priceSource: 'override', endedBy: 'complete', durationMs: 10, ttfbMs: 3,
  }
  try {
    await database.db.insert(usageEvents).values([
      // 1 000 input tokens of which 200 cached and 100 written to the cache; 500 output of which 100 reasoning; 2 images.
      { ...base, requestId: 'req_split_1', model: 'split-model', inputTokens: 1000, cacheReadTokens: 200, cacheWriteTokens: 100, outputTokens: 500, reasoningTokens: 100, images: 2, costMicros: 85_750 },
      // Stored before a price change: its stored cost no longer matches the prices in force.
      { ...base, requestId: 'req_split_2', model: 'split-model', inputTokens: 1000, outputTokens: 0, costMicros: 1_000 },
      { ...base, requestId: 'req_split_3', model: 'unknown-model-xyz', inputTokens: 10, outputTokens: 10, costMicros: null, costStatus: 'unpriced', priceSource: null },
    ])
  } finally {
    database.close()
  }
})
afterAll(async () => {
  await gw?.stop()
})

async function cookieOf(body: Record<string, string>, path = '/dashboard/api/login'): Promise<string> {
  const response = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { origin: gw.url, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  expect(response.status).toBe(200)
  return (response.headers.get('set-cookie') ?? '').split(';')[0]!
}
const detail = (cookie: string, id: string) => fetch(`${gw.url}/dashboard/api/requests/${id}`, { headers: { cookie } })

test('the cost splits by kind, each at its own rate, and the parts add up to the stored cost', async () => {
  const viewer = await cookieOf({ email: seeded.viewer, password: PASSWORD })
  const response = await detail(viewer, 'req_split_1')
  expect(response.status).toBe(200)
  const body = (await response.json()) as RequestDetail
  expect(body.request.request_id).toBe('req_split_1')
  expect(body.breakdown.parts.map((p) => [p.kind, p.quantity, p.cost_micros])).toEqual([
    ['cached_input', 200, 100], // 200 × $0.50/M
    ['cache_write', 100, 250], // 100 × $2.50/M
    ['input', 700, 1_400], // 700 × $2/M
    ['output', 400, 3_200], // 400 × $8/M
    ['reasoning', 100, 800], // reasoning is output: 100 × $8/M
    ['media', 2, 80_000], // 2 images × $0.04
  ])
  expect(body.breakdown.priced_micros).toBe(85_750)
  expect(body.breakdown.stored_micros).toBe(85_750)
  expect(body.breakdown.matches_stored).toBe(true)

  const changed = (await (await detail(viewer, 'req_split_2')).json()) as RequestDetail
  expect(changed.breakdown.parts.map((p) => [p.kind, p.cost_micros])).toEqual([['input', 2_000]])
  expect(changed.breakdown.note).toContain('another total than the stored cost')

  const unpriced = (await (await detail(viewer, 'req_split_3')).json()) as RequestDetail
  expect(unpriced.breakdown.parts.every((p) => p.cost_micros === null)).toBe(true)
  expect(unpriced.breakdown.priced_micros).toBeNull()
})

test("another org's request and, for a key holder, another key's request are not found", async () => {
  const globex = await cookieOf({ email: seeded.globexAdmin, password: PASSWORD })
  expect((await detail(globex, 'req_split_1')).status).toBe(404)
  const holder = await cookieOf({ key: (await gw.createKey({ name: 'other-holder' })).key }, '/dashboard/api/login/key')
  expect((await detail(holder, 'req_split_1')).status).toBe(404)
  const own = await cookieOf({ key: gw.key }, '/dashboard/api/login/key')
  expect((await detail(own, 'req_split_1')).status).toBe(200)
})

test('an id with a malformed escape names nothing: 404, not a server error, for requests and keys', async () => {
  const own = await cookieOf({ key: gw.key }, '/dashboard/api/login/key')
  expect((await detail(own, '%E0%A4')).status).toBe(404)
  expect((await fetch(`${gw.url}/dashboard/api/keys/%E0%A4`, { headers: { cookie: own } })).status).toBe(404)
})
