// POST /v1/chat/completions with `provider/model`, through the official openai SDK, to each provider family's own OpenAI-compatible endpoint.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import OpenAI from 'openai'
import type { ResolvedProvider } from '../../src/config.ts'
import { openAICompatible } from '../../src/providers/openai-compatible.ts'
import { BUILT_IN_PROVIDERS } from '../../src/providers/registry.ts'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeOpenAICompatible, OPENAI_CHAT_JSON, OPENAI_EMBEDDINGS_JSON } from '../support/provider-fakes.ts'
import { coreFor, GATEWAY_ORIGIN, type TestCore } from '../support/test-core.ts'
import { UPSTREAM_SECRET } from '../support/test-gateway.ts'

/** Each family: the name a client gives, the provider's own path and model, and how the credential must arrive. */
const FAMILIES = [
  { id: 'openai', name: 'openai/gpt-4o-mini', path: '/v1/chat/completions', model: 'gpt-4o-mini' },
  { id: 'anthropic', name: 'anthropic/claude-sonnet-4-5', path: '/v1/chat/completions', model: 'claude-sonnet-4-5' },
  { id: 'gemini', name: 'google/gemini-2.5-flash', path: '/v1beta/openai/chat/completions', model: 'gemini-2.5-flash' },
  { id: 'dashscope', name: 'dashscope/qwen-plus', path: '/compatible-mode/v1/chat/completions', model: 'qwen-plus' },
  { id: 'byteplus', name: 'byteplus/ep-20250101-abcde', path: '/api/v3/chat/completions', model: 'ep-20250101-abcde' },
  { id: 'mulerouter', name: 'mulerouter/gpt-4o-mini', path: '/vendors/openai/v1/chat/completions', model: 'gpt-4o-mini' },
  { id: 'deepseek', name: 'deepseek/deepseek-chat', path: '/chat/completions', model: 'deepseek-chat' },
  { id: 'mistral', name: 'mistral/mistral-small-latest', path: '/v1/chat/completions', model: 'mistral-small-latest' },
  { id: 'groq', name: 'groq/llama-3.3-70b-versatile', path: '/openai/v1/chat/completions', model: 'llama-3.3-70b-versatile' },
  { id: 'xai', name: 'xai/grok-4', path: '/v1/chat/completions', model: 'grok-4' },
  { id: 'together', name: 'together/meta-llama/Llama-3.3-70B-Instruct-Turbo', path: '/v1/chat/completions', model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo' },
  { id: 'fireworks', name: 'fireworks/accounts/fireworks/models/llama-v3p1-8b-instruct', path: '/inference/v1/chat/completions', model: 'accounts/fireworks/models/llama-v3p1-8b-instruct' },
  { id: 'openrouter', name: 'openrouter/anthropic/claude-sonnet-4.5', path: '/api/v1/chat/completions', model: 'anthropic/claude-sonnet-4.5' },
  { id: 'acme', name: 'acme/llama-x', path: '/api/chat/completions', model: 'llama-x' },
] as const

/** Where the families whose embeddings the tests call serve them. */
const EMBEDDINGS: Record<string, string> = { openai: '/v1/embeddings', gemini: '/v1beta/openai/embeddings' }

/** A custom provider from the config file, its OpenAI-compatible API under /api instead of /v1. */
const acme = openAICompatible({ id: 'acme', displayName: 'Acme', baseUrl: 'https://acme.invalid', openAIPath: '/api' })

const upstreams = new Map<string, FakeUpstream>()
let t: TestCore

beforeAll(async () => {
  for (const family of FAMILIES) upstreams.set(family.id, startFakeUpstream(fakeOpenAICompatible([family.path, ...(EMBEDDINGS[family.id] ? [EMBEDDINGS[family.id]!] : [])])))
  const providers: ResolvedProvider[] = FAMILIES.map((family) => ({
    spec: family.id === 'acme' ? acme : BUILT_IN_PROVIDERS.find((spec) => spec.id === family.id)!,
    baseUrl: upstreams.get(family.id)!.url,
    objectIsolation: true,
    envCredential: UPSTREAM_SECRET,
  }))
  t = await coreFor({ config: { providers }, keys: [{ name: 'everything' }] })
})

afterAll(async () => {
  await t.stop()
  for (const upstream of upstreams.values()) upstream.stop()
})

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex')
const sdk = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${GATEWAY_ORIGIN}/v1`, fetch: t.fetch, maxRetries: 0 })

describe('every provider family through /v1/chat/completions, with the official openai SDK', () => {
  for (const family of FAMILIES) {
    test(`${family.name} → ${family.id} ${family.path}: JSON and streaming, the model cut and nothing else, a usage row`, async () => {
      const upstream = upstreams.get(family.id)!
      const body = { model: family.name, messages: [{ role: 'user' as const, content: 'Héllo 👋' }], temperature: 0.2, metadata: { model: 'keep/this' } }
      const { data, response } = await sdk(t.key).chat.completions.create(body).withResponse()
      expect(data.choices[0]!.message.content).toBe(JSON.parse(OPENAI_CHAT_JSON).choices[0].message.content)
      const arrived = upstream.requests.at(-1)!
      expect(arrived.path).toBe(family.path)
      expect(arrived.headers.get('authorization')).toBe(`Bearer ${UPSTREAM_SECRET}`)
      // The SDK's bytes with the value of "model" replaced: the same text, the provider prefix gone.
      expect(sha256(arrived.body)).toBe(sha256(JSON.stringify({ ...body, model: family.model })))
      const row = await t.meter.settled(response.headers.get('x-sociaro-request-id')!)
      expect({ provider: row.provider, endpoint: row.endpoint, status: row.status }).toEqual({ provider: family.id, endpoint: family.path, status: 200 })
      // The row names the provider and the provider's own model (the name the upstream received).
      expect(row.model).toBe(family.model)
      expect(row.inputTokens).toBe(12)

      const streamed = await sdk(t.key).chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }).withResponse()
      let text = ''
      let usage: OpenAI.CompletionUsage | null | undefined
      for await (const chunk of streamed.data) {
        text += chunk.choices[0]?.delta.content ?? ''
        usage = chunk.usage ?? usage
      }
      expect(text).toBe('你好 world')
      expect(usage?.total_tokens).toBe(14)
      expect(upstream.requests.at(-1)!.path).toBe(family.path)
      const streamRow = await t.meter.settled(streamed.response.headers.get('x-sociaro-request-id')!)
      expect({ provider: streamRow.provider, streamed: streamRow.streamed, partial: streamRow.partial, output: streamRow.outputTokens }).toEqual({
        provider: family.id,
        streamed: true,
        partial: false,
        output: 3,
      })
    })
  }
})

describe('the only change is the model value, as a minimal byte edit', () => {
  const raw = (text: string, key = t.key) =>
    t.fetch('/v1/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: text })

  test('unusual spacing, unicode escapes in key and value, a nested "model", non-ASCII text: the upstream gets exactly the expected bytes', async () => {
    const cases: [string, string, string][] = [
      ['openai', ' {\n  "messages" :[ {"role":"user","content":"a\\u00e9"} ],\r\n\t"model"  :  "openai/gpt-4o-mini" ,"n":1 }  ', ' {\n  "messages" :[ {"role":"user","content":"a\\u00e9"} ],\r\n\t"model"  :  "gpt-4o-mini" ,"n":1 }  '],
      ['openai', '{"mod\\u0065l":"open\\u0061i\\/gpt-4\\u006f-mini","messages":[]}', '{"mod\\u0065l":"gpt-4\\u006f-mini","messages":[]}'],
      ['openrouter', '{"metadata":{"model":"openai/gpt-4o"},"model":"openrouter/anthropic/claude-sonnet-4.5","models":["x/y"],"messages":[{"role":"user","content":"模型 😀"}]}', '{"metadata":{"model":"openai/gpt-4o"},"model":"anthropic/claude-sonnet-4.5","models":["x/y"],"messages":[{"role":"user","content":"模型 😀"}]}'],
      ['fireworks', '{"model":"fireworks/accounts/fireworks/models/llama-v3p1-8b-instruct","messages":[]}', '{"model":"accounts/fireworks/models/llama-v3p1-8b-instruct","messages":[]}'],
    ]
    for (const [provider, sent, expected] of cases) {
      const response = await raw(sent)
      expect({ sent, status: response.status }).toEqual({ sent, status: 200 })
      await response.arrayBuffer()
      expect({ sent, hash: sha256(upstreams.get(provider)!.requests.at(-1)!.body) }).toEqual({ sent, hash: sha256(expected) })
    }
  })

  test('the body is parsed once on its way: the route\'s read is the one the model check, limits and meter use', async () => {
    const sent = JSON.stringify({ model: 'openai/gpt-4o-mini', messages: Array.from({ length: 3000 }, (_, i) => ({ role: 'user', content: `message ${i}` })) })
    const parse = JSON.parse
    const large: number[] = []
    JSON.parse = ((text: string, reviver?: Parameters<typeof parse>[1]) => {
      // The fake upstream reads the body it received (to see whether it streams): that parse is not the gateway's.
      if (typeof text === 'string' && text.length >= sent.length / 2 && !new Error().stack?.includes('provider-fakes')) large.push(text.length)
      return parse(text, reviver)
    }) as typeof JSON.parse
    let response: Response
    try {
      response = await raw(sent)
      await response.arrayBuffer()
      await t.meter.settled(response.headers.get('x-sociaro-request-id')!)
    } finally {
      JSON.parse = parse
    }
    expect(response.status).toBe(200)
    expect(large).toEqual([sent.length])
    expect(sha256(upstreams.get('openai')!.requests.at(-1)!.body)).toBe(sha256(sent.replace('"openai/gpt-4o-mini"', '"gpt-4o-mini"')))
  })

  test('the response reaches the client byte for byte', async () => {
    const response = await raw('{"model":"openai/gpt-4o-mini","messages":[]}')
    expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(OPENAI_CHAT_JSON))
    const embedded = await t.fetch('/v1/embeddings', { method: 'POST', headers: { authorization: `Bearer ${t.key}` }, body: '{"model":"google/text-embedding-004","input":"x"}' })
    expect(sha256(new Uint8Array(await embedded.arrayBuffer()))).toBe(sha256(OPENAI_EMBEDDINGS_JSON))
    const arrived = upstreams.get('gemini')!.requests.at(-1)!
    expect([arrived.path, new TextDecoder().decode(arrived.body)]).toEqual(['/v1beta/openai/embeddings', '{"model":"text-embedding-004","input":"x"}'])
  })

  test('duplicate top-level models, a non-string model, invalid JSON and a missing model are 400s in OpenAI\'s shape, nothing sent', async () => {
    const before = [...upstreams.values()].reduce((n, upstream) => n + upstream.requests.length, 0)
    const refusals: [string, string][] = [
      ['{"model":"openai/gpt-4o-mini","model":"anthropic/claude-sonnet-4-5"}', 'more than once'],
      ['{"model":"openai/gpt-4o-mini","mod\\u0065l":"x/y"}', 'more than once'],
      ['{"model":["openai/gpt-4o-mini"]}', '"model" must be a string'],
      ['{"model":"openai/gpt-4o-mini",}', 'valid JSON'],
      ['{"messages":[],"metadata":{"model":"openai/gpt-4o-mini"}}', 'names no "model"'],
      ['[]', 'JSON object'],
      ['', 'JSON object'],
    ]
    for (const [sent, message] of refusals) {
      const response = await raw(sent)
      expect({ sent, status: response.status }).toEqual({ sent, status: 400 })
      const body = (await response.json()) as { error: { message: string; type: string } }
      expect({ sent, type: body.error.type, has: body.error.message.includes(message) }).toEqual({ sent, type: 'invalid_request_error', has: true })
    }
    expect([...upstreams.values()].reduce((n, upstream) => n + upstream.requests.length, 0)).toBe(before)
  })
})

describe('streaming guarantees as on native routes', () => {
  test('stream_usage "inject": include_usage is added after the model cut, the extra chunk hidden from the client, the row exact', async () => {
    const { key } = await t.createKey({ name: 'inject', stream_usage: 'inject' })
    const sent = '{"model":"google/gemini-2.5-flash","stream":true,"messages":[]}'
    const response = await t.fetch('/v1/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: sent })
    const text = await response.text()
    expect(text).toContain('[DONE]')
    expect(text).not.toContain('"choices":[]')
    expect(new TextDecoder().decode(upstreams.get('gemini')!.requests.at(-1)!.body)).toBe('{"stream_options":{"include_usage":true},"model":"gemini-2.5-flash","stream":true,"messages":[]}')
    const row = await t.meter.settled(response.headers.get('x-sociaro-request-id')!)
    expect([row.provider, row.model, row.usageSource, row.outputTokens]).toEqual(['gemini', 'gemini-2.5-flash', 'reported', 3])
  })
})

describe('model names: provider/model, split on the first "/" only, the prefix a configured provider', () => {
  test('a bare name, an unknown prefix or a provider without the endpoint is a 400 naming the valid form and the providers', async () => {
    const client = sdk(t.key)
    for (const model of ['gpt-4o-mini', 'nosuch/gpt-4o', 'openai/', '/gpt-4o', 'anthropic/claude-sonnet-4-5']) {
      const call = model.startsWith('anthropic')
        ? client.embeddings.create({ model, input: 'x' })
        : client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] })
      const error = (await call.catch((e: unknown) => e)) as InstanceType<typeof OpenAI.BadRequestError>
      expect({ model, error: error instanceof OpenAI.BadRequestError }).toEqual({ model, error: true })
      expect(error.status).toBe(400)
      expect(error.message).toContain('"provider/model"')
      expect(error.code).toBe('invalid_model')
      expect(error.param).toBe('model')
      expect(error.headers?.get('x-should-retry')).toBe('false')
      if (model.startsWith('anthropic')) {
        expect(error.message).toContain('has no OpenAI-compatible endpoint for /v1/embeddings')
        expect(error.message).toContain('openai, gemini, dashscope')
      } else expect(error.message).toContain('openai, anthropic, gemini, dashscope, byteplus, mulerouter')
    }
  })

  test('embeddings and responses reach the provider paths that offer them', async () => {
    const { data } = await sdk(t.key).embeddings.create({ model: 'openai/text-embedding-3-small', input: 'x' }).withResponse()
    expect(data.data[0]!.embedding.length).toBe(JSON.parse(OPENAI_EMBEDDINGS_JSON).data[0].embedding.length)
    const response = await t.fetch('/v1/responses', { method: 'POST', headers: { authorization: `Bearer ${t.key}` }, body: '{"model":"xai/grok-4","input":"hi"}' })
    // The xAI fake serves chat only: the request reached its /v1/responses, and the upstream's 404 passes through.
    expect(response.status).toBe(404)
    expect(upstreams.get('xai')!.requests.at(-1)!.path).toBe('/v1/responses')
  })

  test('any other /v1 path is a 404 in OpenAI\'s shape listing the unified endpoints', async () => {
    const error = await sdk(t.key).completions.create({ model: 'openai/gpt-4o-mini', prompt: 'x' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.NotFoundError)
    expect((error as Error).message).toContain('POST /v1/chat/completions, POST /v1/embeddings, POST /v1/responses, GET /v1/models')
  })
})

describe('the key\'s allowlist, budget and rate limits, refused in OpenAI\'s shape as the SDK\'s usual classes', () => {
  test('openai/gpt-4o* allows openai/gpt-4o-mini and nothing else; the refusal has a refusal row', async () => {
    const { key, id } = await t.createKey({ name: 'gpt-4o-family', models: ['openai/gpt-4o*'] })
    const allowed = await sdk(key).chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [] })
    expect(allowed.object).toBe('chat.completion')
    for (const model of ['openai/gpt-3.5-turbo', 'anthropic/claude-sonnet-4-5', 'openrouter/openai/gpt-4o-mini']) {
      const { response } = await sdk(key).chat.completions.create({ model, messages: [] }).withResponse().catch((e: unknown) => ({ response: e }))
      expect({ model, denied: response instanceof OpenAI.PermissionDeniedError }).toEqual({ model, denied: true })
      const refusal = response as InstanceType<typeof OpenAI.PermissionDeniedError>
      expect(refusal.code).toBe('model_not_allowed')
      const row = await t.meter.settled(refusal.headers!.get('x-sociaro-request-id')!)
      expect({ key: row.keyId, status: row.status, cost: row.costStatus, model: row.model }).toEqual({ key: id, status: 403, cost: 'refused', model: model.slice(model.indexOf('/') + 1) })
    }
  })

  test('a rate-limited key gets RateLimitError rate_limit_exceeded; an exhausted budget RateLimitError insufficient_quota, not retried', async () => {
    const limited = await t.createKey({ name: 'one-a-minute', rpm: 1 })
    await sdk(limited.key).chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [] })
    const rate = await sdk(limited.key).chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [] }).catch((e: unknown) => e)
    expect(rate).toBeInstanceOf(OpenAI.RateLimitError)
    expect((rate as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('rate_limit_exceeded')

    const broke = await t.createKey({ name: 'broke', budget_usd: 0.000001, budget_period: 'month' })
    let quota: unknown
    for (let attempt = 0; attempt < 3 && !quota; attempt++) {
      const answer = await sdk(broke.key).chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [] }).withResponse().catch((e: Error) => e)
      if (answer instanceof Error) quota = answer
      else await t.meter.settled(answer.response.headers.get('x-sociaro-request-id')!)
    }
    expect(quota).toBeInstanceOf(OpenAI.RateLimitError)
    expect((quota as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('insufficient_quota')
    expect((quota as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('x-should-retry')).toBe('false')
  })
})
