// GET /v1/models, /v1/models/{provider}/{model}, /v1/me and /v1/me/usage: per key, from memory, another key's data never in an answer.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { findProvider } from '@pydantic/genai-prices'
import OpenAI from 'openai'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeOpenAICompatible } from '../support/provider-fakes.ts'
import { coreFor, GATEWAY_ORIGIN, type TestCore } from '../support/test-core.ts'

let openai: FakeUpstream
let anthropic: FakeUpstream
let t: TestCore
let narrow: { id: string; key: string }
let wide: { id: string; key: string }

beforeAll(async () => {
  openai = startFakeUpstream(fakeOpenAICompatible(['/v1/chat/completions']))
  anthropic = startFakeUpstream(fakeOpenAICompatible(['/v1/chat/completions']))
  t = await coreFor({
    // Gemini is configured without a credential: its models are not listed (its calls would answer 503).
    providers: { openai: openai.url, anthropic: anthropic.url, gemini: { baseUrl: 'http://127.0.0.1:9', credential: false } },
    keys: [
      { name: 'narrow', models: ['openai/gpt-4o*'], rpm: 100, budget_usd: 5, budget_period: 'month' },
      { name: 'wide', models: ['*'] },
    ],
    storeRows: true,
  })
  narrow = t.keys[0]!
  wide = t.keys[1]!
})

afterAll(async () => {
  await t.stop()
  openai.stop()
  anthropic.stop()
})

const get = (path: string, key: string) => t.fetch(path, { headers: { authorization: `Bearer ${key}` } })
const sdk = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${GATEWAY_ORIGIN}/v1`, fetch: t.fetch, maxRetries: 0 })
type Listed = { id: string; object: string; owned_by: string; pricing?: { input_per_million_usd: number | null; output_per_million_usd: number | null; source: string }; context_window?: number }

describe('GET /v1/models', () => {
  test('lists provider/model names of providers with a credential, filtered by the key\'s allowlist, with list prices', async () => {
    const narrowList = (await (await get('/v1/models', narrow.key)).json()) as { object: string; data: Listed[] }
    expect(narrowList.object).toBe('list')
    const ids = narrowList.data.map((m) => m.id)
    expect(ids).toContain('openai/gpt-4o')
    expect(ids).toContain('openai/gpt-4o-mini')
    expect(ids.every((id) => id.startsWith('openai/gpt-4o'))).toBe(true)
    const listed = narrowList.data.find((m) => m.id === 'openai/gpt-4o')!
    const known = findProvider({ providerId: 'openai' })!.models.find((m) => m.id === 'gpt-4o')!.prices as { input_mtok: number; output_mtok: number }
    expect(listed).toEqual({ id: 'openai/gpt-4o', object: 'model', owned_by: 'openai', pricing: { input_per_million_usd: known.input_mtok, output_per_million_usd: known.output_mtok, source: 'list' }, context_window: 128000 })

    const wideIds = ((await (await get('/v1/models', wide.key)).json()) as { data: Listed[] }).data.map((m) => m.id)
    expect(wideIds.some((id) => id.startsWith('anthropic/claude'))).toBe(true)
    expect(wideIds.some((id) => id.startsWith('gemini/'))).toBe(false)
    expect(new Set(wideIds).size).toBe(wideIds.length)

    // The official SDK reads it as its model page.
    const page = await sdk(narrow.key).models.list()
    expect(page.data.map((m) => m.id)).toEqual(ids)
  })

  test('a provider that gets a credential is listed from then on', async () => {
    const before = ((await (await get('/v1/models', wide.key)).json()) as { data: Listed[] }).data
    expect(before.some((m) => m.id.startsWith('gemini/'))).toBe(false)
    expect((await t.admin('PUT', '/providers/gemini/credential', { secret: 'gm-secret-0123456789' })).status).toBe(200)
    const after = ((await (await get('/v1/models', wide.key)).json()) as { data: Listed[] }).data
    expect(after.some((m) => m.id === 'gemini/gemini-2.5-flash')).toBe(true)
  })

  test('GET /v1/models/{provider}/{model} returns one the key may use, else a 404 the SDK raises as NotFoundError', async () => {
    const one = await sdk(narrow.key).models.retrieve('openai/gpt-4o-mini')
    expect(one.id).toBe('openai/gpt-4o-mini')
    const missing = await sdk(narrow.key).models.retrieve('anthropic/claude-sonnet-4-5').catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError)
    expect((missing as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found')
    expect((await get('/v1/models/anthropic/claude-sonnet-4-5', wide.key)).status).toBe(200)
    // An alias names the same provider; the segments may be percent-encoded.
    expect(((await (await get('/v1/models/google/gemini-2.5-flash', wide.key)).json()) as Listed).id).toBe('gemini/gemini-2.5-flash')
    expect((await get('/v1/models/openai/gpt-4o%2Dmini', narrow.key)).status).toBe(200)
    expect((await get('/v1/models/openai/no-such-model', wide.key)).status).toBe(404)
  })

  test('without a valid key: 401 in OpenAI\'s shape (AuthenticationError), nothing listed', async () => {
    const error = await sdk('gw_live_not_a_key').models.list().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError)
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key')
    const missing = await t.fetch('/v1/me')
    expect(missing.status).toBe(401)
    expect(missing.headers.get('x-should-retry')).toBe('false')
  })
})

describe('GET /v1/me and /v1/me/usage', () => {
  test('/v1/me is the calling key: name, organization, allowed models, limits, current-period spend and remaining', async () => {
    const me = (await (await get('/v1/me', narrow.key)).json()) as Record<string, any>
    expect(me).toMatchObject({
      object: 'key',
      id: narrow.id,
      name: 'narrow',
      organization: { id: t.orgId, name: 'test-org' },
      allowed_models: ['openai/gpt-4o*'],
      limits: { rpm: 100, tpm: null, max_concurrency: null, budget_usd: 5, budget_period: 'month' },
      period: { spend_usd: 0, reserved_usd: 0, remaining_usd: 5 },
    })
    expect(Date.parse(me.period.start)).toBeLessThanOrEqual(Date.now())
    expect(JSON.stringify(me)).not.toContain(wide.id)
    const other = (await (await get('/v1/me', wide.key)).json()) as Record<string, any>
    expect([other.id, other.name, other.period]).toEqual([wide.id, 'wide', null])
    expect(JSON.stringify(other)).not.toContain(narrow.id)
  })

  test('/v1/me/usage groups the key\'s own rows by day or model; another key\'s rows never appear', async () => {
    const chat = async (key: string, model: string) => {
      const { response } = await sdk(key).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }).withResponse()
      await t.meter.settled(response.headers.get('x-sociaro-request-id')!)
    }
    await chat(narrow.key, 'openai/gpt-4o-mini')
    await chat(narrow.key, 'openai/gpt-4o-mini')
    await chat(wide.key, 'anthropic/claude-sonnet-4-5')
    await chat(wide.key, 'openai/gpt-4o')

    const byModel = (await (await get('/v1/me/usage?group_by=model', narrow.key)).json()) as { object: string; group_by: string; data: Record<string, any>[]; totals: Record<string, any> }
    expect(byModel.object).toBe('usage')
    expect(byModel.group_by).toBe('model')
    expect(byModel.data.map((row) => [row.model, row.requests, row.input_tokens])).toEqual([['openai/gpt-4o-mini', 2, 24]])
    expect(byModel.totals.requests).toBe(2)

    const today = new Date().toISOString().slice(0, 10)
    const byDay = (await (await get(`/v1/me/usage?from=2020-01-01&to=2099-01-01&group_by=day`, narrow.key)).json()) as { from: string; data: Record<string, any>[] }
    expect(byDay.from).toBe('2020-01-01T00:00:00.000Z')
    expect(byDay.data.map((row) => [row.day, row.requests])).toEqual([[today, 2]])
    expect(typeof byDay.data[0]!.cost_usd).toBe('number')

    const theirs = (await (await get('/v1/me/usage?group_by=model', wide.key)).json()) as { data: Record<string, any>[] }
    expect(theirs.data.map((row) => row.model).sort()).toEqual(['anthropic/claude-sonnet-4-5', 'openai/gpt-4o'])

    // The key's spend shows in /v1/me once settled.
    const me = (await (await get('/v1/me', narrow.key)).json()) as { period: { spend_usd: number; remaining_usd: number } }
    expect(me.period.spend_usd).toBeGreaterThan(0)
    expect(me.period.remaining_usd).toBeCloseTo(5 - me.period.spend_usd, 9)
  })

  test('no parameter reaches another key: unknown ones are ignored, a bad group_by or range is a 400', async () => {
    const sneaky = (await (await get(`/v1/me/usage?group_by=model&key=${wide.id}&org=other`, narrow.key)).json()) as { data: Record<string, any>[] }
    expect(sneaky.data.every((row) => String(row.model).startsWith('openai/gpt-4o-mini'))).toBe(true)
    for (const query of ['group_by=key', 'group_by=org', 'from=2030-01-01&to=2020-01-01', 'from=yesterday']) {
      const response = await get(`/v1/me/usage?${query}`, narrow.key)
      expect({ query, status: response.status }).toEqual({ query, status: 400 })
      expect(((await response.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error')
    }
  })

  test('a revoked key is refused at once', async () => {
    const { id, key } = await t.createKey({ name: 'short-lived' })
    expect((await get('/v1/me', key)).status).toBe(200)
    expect((await t.admin('POST', `/keys/${id}/revoke`)).status).toBe(200)
    const refused = await get('/v1/me', key)
    expect(refused.status).toBe(401)
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('revoked')
  })
})

// Last: a second org turns on the refusal of endpoints that cannot keep orgs apart (the chats above).
describe('GET /v1/models prices per caller', () => {
  test('prices are what the caller is charged: their org\'s override, else a global one, else the list price, marked as such', async () => {
    const orgResponse = await t.admin('POST', '/orgs', { name: 'price-other-org' })
    expect(orgResponse.status).toBe(201)
    const otherKey = (await (await t.admin('POST', '/keys', { org: 'price-other-org', name: 'other' })).json()) as { key: string }
    const priceOf = async (key: string, id: string) => {
      const listed = ((await (await get('/v1/models', key)).json()) as { data: Listed[] }).data.find((m) => m.id === id)
      const one = (await (await get(`/v1/models/${id}`, key)).json()) as Listed
      expect(one.pricing).toEqual(listed!.pricing)
      return listed!.pricing
    }
    const list = await priceOf(wide.key, 'openai/gpt-4o')
    expect(list!.source).toBe('list')

    const own = await t.admin('POST', '/prices', { org: 'test-org', provider: 'openai', model: 'gpt-4o', input_usd_per_mtok: 1.25, output_usd_per_mtok: 5 })
    expect(own.status).toBe(201)
    const overridden = { input_per_million_usd: 1.25, output_per_million_usd: 5, source: 'override' }
    expect(await priceOf(wide.key, 'openai/gpt-4o')).toEqual(overridden)
    expect(await priceOf(narrow.key, 'openai/gpt-4o')).toEqual(overridden)
    // The pattern matched gpt-4o alone; another org sees the list price.
    expect((await priceOf(wide.key, 'openai/gpt-4o-mini'))!.source).toBe('list')
    expect(await priceOf(otherKey.key, 'openai/gpt-4o')).toEqual(list)

    // A global override reaches every org; the org's own still wins for its callers.
    const global = (await (await t.admin('POST', '/prices', { provider: 'openai', model: 'gpt-4o*', input_usd_per_mtok: 2, output_usd_per_mtok: 8 })).json()) as { id: string }
    expect(await priceOf(otherKey.key, 'openai/gpt-4o')).toEqual({ input_per_million_usd: 2, output_per_million_usd: 8, source: 'override' })
    expect(await priceOf(otherKey.key, 'openai/gpt-4o-mini')).toEqual({ input_per_million_usd: 2, output_per_million_usd: 8, source: 'override' })
    expect(await priceOf(wide.key, 'openai/gpt-4o')).toEqual(overridden)

    // Removed: the list price again.
    expect((await t.admin('DELETE', `/prices/${global.id}`)).status).toBe(200)
    expect(await priceOf(otherKey.key, 'openai/gpt-4o')).toEqual(list)
    expect((await t.admin('DELETE', `/prices/${((await own.json()) as { id: string }).id}`)).status).toBe(200)
    expect(await priceOf(wide.key, 'openai/gpt-4o')).toEqual(list)
  })
})
