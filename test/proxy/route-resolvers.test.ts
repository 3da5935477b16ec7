// A second, test-only route resolver runs through the same exchange pipeline: the provider comes from the body (two-step resolution).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { ResolvedProvider } from '../../src/config.ts'
import { GatewayError } from '../../src/errors/gateway-error.ts'
import { silentLogger } from '../../src/log.ts'
import { createExchangePipeline } from '../../src/proxy/exchange-pipeline.ts'
import { nativeRoute } from '../../src/proxy/routes/native-route.ts'
import { dialectFor } from '../../src/providers/provider-wire.ts'
import { anthropicErrors } from '../../src/providers/dialects/anthropic/errors.ts'
import { openaiErrors } from '../../src/providers/dialects/openai/errors.ts'
import type { RouteResolver, RouteTarget } from '../../src/proxy/routes/route-target.ts'
import type { AdmittedRequest, ProxyStage, RefusedRequest, StageName } from '../../src/proxy/stages.ts'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeOpenAI } from '../support/provider-fakes.ts'
import { startTestGateway, UPSTREAM_SECRET, type TestGateway } from '../support/test-gateway.ts'

let upstream: FakeUpstream
let gw: TestGateway
let providers: Map<string, ResolvedProvider>

beforeAll(async () => {
  upstream = startFakeUpstream(fakeOpenAI)
  gw = await startTestGateway({ upstreams: { openai: upstream.url } })
  providers = new Map(gw.gateway.credentialSources().map(({ provider }) => [provider.spec.id, provider]))
})
afterAll(async () => {
  await gw.stop()
  upstream.stop()
})

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * POST /any/chat: the provider is the prefix of the JSON body's `model` ("openai/gpt-4o-mini"), the upstream path is
 * that provider's chat path, and the body goes up with the prefix removed. Until the body is read the gateway knows
 * only where the key is and that errors are in Anthropic's shape; after it, errors are in OpenAI's shape (the target's).
 */
function bodyChosenRoute(calls: { afterBody: number }): RouteResolver {
  return {
    enter(url) {
      if (url.provider !== 'any' || url.path !== '/chat') return undefined
      return {
        errorShape: anthropicErrors,
        clientKey: ['bearer'],
        clientQuery: url.query,
        afterBody(body): RouteTarget {
          calls.afterBody++
          const json = body ? (JSON.parse(decoder.decode(body)) as { model?: unknown }) : {}
          const named = typeof json.model === 'string' ? json.model : ''
          const slash = named.indexOf('/')
          const provider = providers.get(named.slice(0, slash))
          if (slash <= 0 || !provider) throw new GatewayError('unknown_provider', `No provider named by model "${named.slice(0, 64)}".`)
          const prefixed = encoder.encode(JSON.stringify(named))
          const bare = encoder.encode(JSON.stringify(named.slice(slash + 1)))
          return {
            provider,
            path: '/v1/chat/completions',
            query: '',
            errorShape: openaiErrors,
            dialect: dialectFor(provider.spec, '/v1/chat/completions'),
            allowlistProvider: provider.spec.id,
            editBody: (bytes) => replaceOnce(bytes, prefixed, bare),
          }
        },
      }
    },
  }
}

/** The bytes with the first occurrence of `from` replaced by `to`, every other byte as it was. */
function replaceOnce(bytes: Uint8Array, from: Uint8Array, to: Uint8Array): Uint8Array {
  outer: for (let at = 0; at + from.length <= bytes.length; at++) {
    for (let i = 0; i < from.length; i++) if (bytes[at + i] !== from[i]) continue outer
    const out = new Uint8Array(bytes.length - from.length + to.length)
    out.set(bytes.subarray(0, at))
    out.set(to, at)
    out.set(bytes.subarray(at + from.length), at + to.length)
    return out
  }
  return bytes
}

interface Recorded {
  order: StageName[]
  bodies: Partial<Record<StageName, string>>
  admitted: AdmittedRequest[]
  refused: RefusedRequest[]
}

/** A stage that records when it ran and what body it saw; `edit` replaces the body, `wait` answers with a promise. */
function recordingStage(name: StageName, seen: Recorded, options: { edit?: (body: string) => string; wait?: boolean } = {}): ProxyStage {
  return {
    refused: (request) => {
      if (name === 'meter') seen.refused.push(request)
    },
    admit(request) {
      seen.order.push(name)
      seen.bodies[name] = request.body ? decoder.decode(request.body) : ''
      if (name === 'meter') seen.admitted.push(request)
      if (options.edit && request.body) request.replaceBody(encoder.encode(options.edit(decoder.decode(request.body))))
      return options.wait ? Bun.sleep(5).then(() => ({})) : undefined
    },
  }
}

function pipelineWith(seen: Recorded, calls: { afterBody: number }) {
  return createExchangePipeline({
    routes: [bodyChosenRoute(calls), nativeRoute(providers)],
    providers,
    keys: gw.gateway.keys,
    credentials: { get: (provider) => (provider.spec.id === 'openai' ? UPSTREAM_SECRET : undefined) },
    config: { maxBodyBytes: 1024 * 1024, upstreamHeadersTimeoutMs: 10_000, upstreamIdleTimeoutMs: 10_000 },
    log: silentLogger,
    // Given out of order on purpose: the pipeline runs them in STAGE_ORDER.
    stages: {
      metrics: recordingStage('metrics', seen),
      meter: recordingStage('meter', seen, { edit: (body) => body.replace('"hi"', '"hello"') }),
      objects: recordingStage('objects', seen, { wait: true }),
      tracking: recordingStage('tracking', seen),
    },
  })
}

const fresh = (): Recorded => ({ order: [], bodies: {}, admitted: [], refused: [] })

function chat(key: string | undefined, body: string): Request {
  return new Request('http://gateway.test/any/chat', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body,
  })
}

describe('a resolver that picks the provider from the body, through the one pipeline', () => {
  test('the provider, path and body edit come from the body; stages run in the declared order, an async one included', async () => {
    const seen = fresh()
    const calls = { afterBody: 0 }
    const handle = pipelineWith(seen, calls)
    const sent = '{"model":  "openai/gpt-4o-mini", "messages":[{"role":"user","content":"hi"}]}'
    const response = await handle(chat(gw.key, sent))
    expect(response.status).toBe(200)
    expect(((await response.json()) as { object: string }).object).toBe('chat.completion')
    const arrived = upstream.requests.at(-1)!
    expect(arrived.path).toBe('/v1/chat/completions')
    expect(arrived.headers.get('authorization')).toBe(`Bearer ${UPSTREAM_SECRET}`)
    // The route's edit (the model), then the meter slot's replaceBody: every other byte as the client sent it.
    expect(decoder.decode(arrived.body)).toBe('{"model":  "gpt-4o-mini", "messages":[{"role":"user","content":"hello"}]}')
    expect(seen.order).toEqual(['tracking', 'objects', 'meter', 'metrics'])
    expect(seen.bodies.objects).toBe('{"model":  "gpt-4o-mini", "messages":[{"role":"user","content":"hi"}]}')
    expect(seen.bodies.metrics).toContain('"hello"')
    const admitted = seen.admitted[0]!
    expect({ provider: admitted.provider.spec.id, path: admitted.path, model: admitted.facts.model, dialect: admitted.dialect.id }).toEqual({
      provider: 'openai',
      path: '/v1/chat/completions',
      model: 'gpt-4o-mini',
      dialect: 'openai',
    })
    expect(calls.afterBody).toBe(1)
  })

  test('the key is checked before the body is read: a missing key is refused in the entry\'s shape and step two never runs', async () => {
    const seen = fresh()
    const calls = { afterBody: 0 }
    const response = await pipelineWith(seen, calls)(chat(undefined, '{"model":"openai/gpt-4o-mini"}'))
    expect(response.status).toBe(401)
    const body = (await response.json()) as { type: string; error: { type: string } }
    expect(body.type).toBe('error')
    expect(body.error.type).toBe('authentication_error')
    expect(calls.afterBody).toBe(0)
    expect(seen.order).toEqual([])
  })

  test('a body that names no route is refused by step two, in the entry\'s shape, with no refusal row (no provider)', async () => {
    const seen = fresh()
    const before = upstream.requests.length
    const response = await pipelineWith(seen, { afterBody: 0 })(chat(gw.key, '{"model":"nosuch/gpt-4o-mini"}'))
    expect(response.status).toBe(404)
    const body = (await response.json()) as { type: string; error: { message: string } }
    expect(body.type).toBe('error')
    expect(body.error.message).toContain('No provider named by model "nosuch/gpt-4o-mini"')
    expect(seen.refused).toEqual([])
    expect(upstream.requests.length).toBe(before)
  })

  test('the allowlist sees provider and model from the target; its refusal is in the target\'s shape and gets a refusal row', async () => {
    const { key } = await gw.createKey({ name: 'gpt-4o-only', models: ['openai/gpt-4o'] })
    const seen = fresh()
    const before = upstream.requests.length
    const response = await pipelineWith(seen, { afterBody: 0 })(chat(key, '{"model":"openai/gpt-4o-mini"}'))
    expect(response.status).toBe(403)
    const body = (await response.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('model_not_allowed')
    expect(body.error.message).toContain('may not use model "gpt-4o-mini" on openai')
    expect(seen.refused.map((r) => ({ provider: r.provider, path: r.path, model: r.model, code: r.error.code }))).toEqual([
      { provider: 'openai', path: '/v1/chat/completions', model: 'gpt-4o-mini', code: 'model_not_allowed' },
    ])
    expect(seen.order).toEqual([])
    expect(upstream.requests.length).toBe(before)
    const allowed = await pipelineWith(fresh(), { afterBody: 0 })(chat(key, '{"model":"openai/gpt-4o"}'))
    expect(allowed.status).toBe(200)
    await allowed.arrayBuffer()
  })

  test('native routes still resolve behind it, in their own shape', async () => {
    const seen = fresh()
    const response = await pipelineWith(seen, { afterBody: 0 })(
      new Request('http://gateway.test/openai/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${gw.key}` },
        body: '{"model":"gpt-4o-mini","messages":[]}',
      }),
    )
    expect(response.status).toBe(200)
    await response.arrayBuffer()
    expect(upstream.requests.at(-1)!.path).toBe('/v1/chat/completions')
    const nowhere = await pipelineWith(fresh(), { afterBody: 0 })(new Request('http://gateway.test/nowhere/x', { headers: { authorization: `Bearer ${gw.key}` } }))
    expect(nowhere.status).toBe(404)
    expect(((await nowhere.json()) as { error: { code: string } }).error.code).toBe('unknown_provider')
  })

  test('a target the caller already read from the URL is used as it is, not read again', async () => {
    const handle = pipelineWith(fresh(), { afterBody: 0 })
    const request = () =>
      new Request('http://gateway.test/nowhere/x', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${gw.key}` }, body: '{"model":"gpt-4o-mini","messages":[]}' })
    // Handed the target of /openai/v1/chat/completions, the pipeline routes by it, whatever the URL says.
    const routed = await handle(request(), { provider: 'openai', path: '/v1/chat/completions', query: '' })
    expect(routed.status).toBe(200)
    await routed.arrayBuffer()
    expect(upstream.requests.at(-1)!.path).toBe('/v1/chat/completions')
    // Handed nothing, it reads the URL itself.
    expect((await handle(request())).status).toBe(404)
  })
})
