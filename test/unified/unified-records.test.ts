// What the unified API leaves behind: access lines of gateway-answered GETs name their key, and /v1/… refusals made before a provider is known are request-log rows.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { LineSink } from '../../src/access-log/line-writer.ts'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeOpenAICompatible } from '../support/provider-fakes.ts'
import { coreFor, type TestCore } from '../support/test-core.ts'
import { waitFor } from '../support/wait-for.ts'

const writes: string[] = []
const sink: LineSink = { write: (text) => (writes.push(text), true), onDrain: () => {} }
const lines = () => writes.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>)

let upstream: FakeUpstream
let t: TestCore

beforeAll(async () => {
  upstream = startFakeUpstream(fakeOpenAICompatible(['/v1/chat/completions']))
  t = await coreFor({ providers: { openai: upstream.url }, keys: [{ name: 'reader' }, { name: 'slow', rpm: 1 }], config: { logFormat: 'json' }, options: { accessLogSink: sink }, storeRows: true })
})

afterAll(async () => {
  await t.stop()
  upstream.stop()
})

const lineOf = (requestId: string) => waitFor(`the access line of ${requestId}`, async () => lines().find((line) => line.request_id === requestId))
const chat = (key: string, body: string) => t.fetch('/v1/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body })

describe('access lines of the gateway\'s own answers', () => {
  test('GET /v1/models, /v1/me and /v1/me/usage: the line names the key and its org; a refused key names none', async () => {
    for (const path of ['/v1/models', '/v1/me', '/v1/me/usage']) {
      const response = await t.fetch(path, { headers: { authorization: `Bearer ${t.key}` } })
      expect(response.status).toBe(200)
      const line = await lineOf(response.headers.get('x-sociaro-request-id')!)
      expect({ path: line.path, key: line.key_id, org: line.org_id, status: line.status, ended: line.ended_by }).toEqual({ path, key: t.keyId, org: t.orgId, status: 200, ended: 'answered' })
    }
    const refused = await t.fetch('/v1/me', { headers: { authorization: 'Bearer gw_live_not_a_key' } })
    expect(refused.status).toBe(401)
    const line = await lineOf(refused.headers.get('x-sociaro-request-id')!)
    expect({ key: line.key_id, status: line.status, error: line.error }).toEqual({ key: undefined, status: 401, error: 'invalid_key' })
  })
})

describe('/v1/… refusals before a provider is known are rows of the unified endpoint', () => {
  test('an unknown provider prefix, an unreadable body and a rate-limit precheck: $0 refused rows under "v1", for that key', async () => {
    const slow = t.keys[1]!
    const cases: { body: string; key: { id: string; key: string }; status: number; code: string; model: string | null }[] = [
      { body: '{"model":"nosuch/gpt-4o","messages":[]}', key: t.keys[0]!, status: 400, code: 'invalid_model', model: 'nosuch/gpt-4o' },
      { body: '{"model":"gpt-4o","messages":[]}', key: t.keys[0]!, status: 400, code: 'invalid_model', model: 'gpt-4o' },
      { body: '{"model":"openai/gpt-4o",', key: t.keys[0]!, status: 400, code: 'model_unreadable', model: null },
      { body: `{"model":"${'x'.repeat(300)}/y"}`, key: t.keys[0]!, status: 400, code: 'invalid_model', model: null },
    ]
    // The slow key's first request goes through; its second is refused by the rate-limit precheck, before the body.
    const first = await chat(slow.key, '{"model":"openai/gpt-4o-mini","messages":[]}')
    expect(first.status).toBe(200)
    await t.meter.settled(first.headers.get('x-sociaro-request-id')!)
    cases.push({ body: '{"model":"openai/gpt-4o-mini","messages":[]}', key: slow, status: 429, code: 'rate_limited', model: null })

    const before = upstream.requests.length
    for (const { body, key, status, code, model } of cases) {
      const response = await chat(key.key, body)
      expect({ body, status: response.status }).toEqual({ body, status })
      const row = await t.meter.settled(response.headers.get('x-sociaro-request-id')!)
      expect({ body, row: { key: row.keyId, org: row.orgId, provider: row.provider, endpoint: row.endpoint, model: row.model, status: row.status, error: row.errorCode, cost: row.costMicros, costStatus: row.costStatus, endedBy: row.endedBy } }).toEqual({
        body,
        row: { key: key.id, org: t.orgId, provider: 'v1', endpoint: '/v1/chat/completions', model, status, error: code, cost: 0, costStatus: 'refused', endedBy: 'refused' },
      })
    }
    expect(upstream.requests.length).toBe(before)

    // Without a key there is nobody to file it under: no row.
    const anonymous = await chat('gw_live_not_a_key', '{"model":"nosuch/x"}')
    expect(anonymous.status).toBe(401)
    const anonymousId = anonymous.headers.get('x-sociaro-request-id')!
    await t.fetch('/v1/me', { headers: { authorization: `Bearer ${t.key}` } })
    expect(t.meter.rows.some((row) => row.requestId === anonymousId)).toBe(false)
  })

  test('the refused rows are in the request log of the key, and "v1" filters them', async () => {
    const { key, id } = await t.createKey({ name: 'logged' })
    const refused = await chat(key, '{"model":"nosuch/model-a","messages":[]}')
    expect(refused.status).toBe(400)
    await t.meter.settled(refused.headers.get('x-sociaro-request-id')!)
    const stored = t.meter.rows.filter((row) => row.keyId === id)
    expect(stored.map((row) => [row.provider, row.model, row.costStatus])).toEqual([['v1', 'nosuch/model-a', 'refused']])
    const page = (await (await t.admin('GET', `/requests?key=${id}&provider=v1&cost_status=refused&from=2020-01-01`)).json()) as { data: Record<string, unknown>[] }
    expect(page.data.map((row) => [row.provider, row.endpoint, row.model, row.status, row.error_code, row.cost_usd, row.ended_by])).toEqual([
      ['v1', '/v1/chat/completions', 'nosuch/model-a', 400, 'invalid_model', 0, 'refused'],
    ])
    // Another key's log does not have it.
    const other = (await (await t.admin('GET', `/requests?key=${t.keyId}&provider=v1&from=2020-01-01`)).json()) as { data: Record<string, unknown>[] }
    expect(other.data.some((row) => row.model === 'nosuch/model-a')).toBe(false)
  })
})
