// /v1/me/usage groups by the org's reporting days, as the admin usage API does with time_zone: traffic either side of a local midnight lands on two days.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeOpenAICompatible } from '../support/provider-fakes.ts'
import { coreFor, type TestCore } from '../support/test-core.ts'

const ZONE = 'America/Los_Angeles'
/** Local midnight of 2026-06-02 in Los Angeles (UTC-7 in summer). */
const MIDNIGHT = Date.UTC(2026, 5, 2, 7)
const MINUTE = 60_000

let clock = MIDNIGHT - 30 * MINUTE
let upstream: FakeUpstream
let t: TestCore

beforeAll(async () => {
  upstream = startFakeUpstream(fakeOpenAICompatible(['/v1/chat/completions']))
  t = await coreFor({ providers: { openai: upstream.url }, now: () => clock, storeRows: true })
  expect((await t.admin('PATCH', `/orgs/${t.orgId}`, { time_zone: ZONE })).status).toBe(200)
})

afterAll(async () => {
  await t.stop()
  upstream.stop()
})

const get = async (path: string) => (await t.fetch(path, { headers: { authorization: `Bearer ${t.key}` } })).json() as Promise<Record<string, any>>

test('requests at 23:30 and 00:30 local (both 2026-06-02 in UTC) are two local days in /v1/me/usage and in the admin API with time_zone', async () => {
  // 23:30 on June 1, local, once; 00:10 and 00:30 on June 2, local, twice more; all on June 2 UTC.
  for (const at of [MIDNIGHT - 30 * MINUTE, MIDNIGHT + 10 * MINUTE, MIDNIGHT + 30 * MINUTE]) {
    clock = at
    const response = await t.fetch('/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
      body: '{"model":"openai/gpt-4o-mini","messages":[]}',
    })
    expect(response.status).toBe(200)
    await response.arrayBuffer()
    await t.meter.settled(response.headers.get('x-sociaro-request-id')!)
  }
  clock = MIDNIGHT + 60 * MINUTE

  const mine = await get('/v1/me/usage?group_by=day&from=2026-05-30&to=2026-06-05')
  expect(mine.time_zone).toBe(ZONE)
  expect(mine.data.map((row: Record<string, unknown>) => [row.day, row.starts_at, row.requests])).toEqual([
    ['2026-06-01', new Date(Date.UTC(2026, 5, 1, 7)).toISOString(), 1],
    ['2026-06-02', new Date(MIDNIGHT).toISOString(), 2],
  ])
  expect(mine.totals.requests).toBe(3)

  // The admin usage API: the same days with time_zone, UTC days without it.
  const zoned = (await (await t.admin('GET', `/usage?group_by=day&key=${t.keyId}&from=2026-05-30&to=2026-06-05&time_zone=${encodeURIComponent(ZONE)}`)).json()) as Record<string, any>
  expect(zoned.time_zone).toBe(ZONE)
  expect(zoned.data.map((row: Record<string, unknown>) => [row.group, row.requests])).toEqual(mine.data.map((row: Record<string, unknown>) => [row.starts_at, row.requests]))
  expect(zoned.totals).toEqual({ ...mine.totals, group: 'total' })
  const utc = (await (await t.admin('GET', `/usage?group_by=day&key=${t.keyId}&from=2026-05-30&to=2026-06-05`)).json()) as Record<string, any>
  expect(utc.time_zone).toBe('UTC')
  expect(utc.data.map((row: Record<string, unknown>) => [row.group, row.requests])).toEqual([['2026-06-02T00:00:00.000Z', 3]])

  // The default window ends now: the zone day in progress is the last one.
  const recent = await get('/v1/me/usage')
  expect(recent.data.map((row: Record<string, unknown>) => row.day)).toEqual(['2026-06-01', '2026-06-02'])

  // Not a zone: a 400 in the admin API (the key's answer always uses its org's zone).
  expect((await t.admin('GET', '/usage?group_by=day&time_zone=Mars/Olympus')).status).toBe(400)
})

test('the same requests for an org east of UTC (Tokyo): one local day', async () => {
  expect((await t.admin('PATCH', `/orgs/${t.orgId}`, { time_zone: 'Asia/Tokyo' })).status).toBe(200)
  const mine = await get('/v1/me/usage?group_by=day&from=2026-05-30&to=2026-06-05')
  // In Tokyo (UTC+9) all three requests (06:30Z-07:30Z on June 2) fall on June 2, 15:30-16:30 local.
  expect(mine.data.map((row: Record<string, unknown>) => [row.day, row.requests])).toEqual([['2026-06-02', 3]])
  expect(mine.time_zone).toBe('Asia/Tokyo')
})
