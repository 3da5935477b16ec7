// Every error the gateway makes itself reaches the official SDKs as their usual error class, in the provider's own shape;
// upstream errors pass through untouched; the real credential never leaks into an error.
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { sha256, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeAnthropic, fakeGemini, fakeOpenAI } from '../support/provider-fakes.ts'
import { startTestGateway, UPSTREAM_SECRET, type TestGateway } from '../support/test-gateway.ts'
import { caught } from '../support/caught.ts'

const RATE_LIMIT_BODY =
  '{\n  "error": {\n    "message": "Rate limit reached for gpt-4o-mini — 请稍后 🙏",\n    "type": "requests",\n    "param": null,\n    "code": "rate_limit_exceeded"\n  }\n}\n'

let openaiUpstream: FakeUpstream
let anthropicUpstream: FakeUpstream
let geminiUpstream: FakeUpstream
let slowUpstream: FakeUpstream
let gw: TestGateway
let smallGw: TestGateway
let brokenGw: TestGateway
let noCredGw: TestGateway
let closedPortUrl: string

/** Every gateway-generated error response seen by the tests, checked at the end for the real credential. */
const gatewayErrors: { status: number; headers: Headers; body: string }[] = []

async function record(response: Response): Promise<{ status: number; headers: Headers; body: string }> {
  const entry = { status: response.status, headers: response.headers, body: await response.text() }
  gatewayErrors.push(entry)
  return entry
}

/** A fetch for SDK clients that counts calls and records each response (body read through a clone). */
function countingFetch() {
  const calls: Response[] = []
  const wrapped = (async (...args: Parameters<typeof fetch>) => {
    const response: Response = await fetch(...args)
    calls.push(response)
    if (response.status >= 400) await record(response.clone() as unknown as Response)
    return response
  }) as typeof fetch
  return { fetch: wrapped, calls }
}

function expectGatewayHeaders(headers: Headers, shouldRetry: 'false' | null) {
  expect(headers.get('x-sociaro-request-id')).toMatch(/^req_/)
  expect(headers.get('x-should-retry')).toBe(shouldRetry)
}

const openai = (apiKey: string, extra: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}, base = gw.url) =>
  new OpenAI({ apiKey, baseURL: `${base}/openai/v1`, maxRetries: 0, ...extra })
const anthropic = (apiKey: string, extra: Partial<ConstructorParameters<typeof Anthropic>[0]> = {}, base = gw.url) =>
  new Anthropic({ apiKey, baseURL: `${base}/anthropic`, maxRetries: 0, ...extra })

const chat = (client: OpenAI, model = 'gpt-4o-mini', content = 'hi') => client.chat.completions.create({ model, messages: [{ role: 'user', content }] })
const message = (client: Anthropic, model = 'claude-gateway-test', content = 'hi') =>
  client.messages.create({ model, max_tokens: 16, messages: [{ role: 'user', content }] })

beforeAll(async () => {
  openaiUpstream = startFakeUpstream((request) => {
    if (request.headers.get('x-test') === 'rate-limited') {
      return new Response(RATE_LIMIT_BODY, {
        status: 429,
        headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': '7', 'x-ratelimit-remaining-requests': '0', 'x-request-id': 'req_up_429' },
      })
    }
    return fakeOpenAI(request)
  })
  anthropicUpstream = startFakeUpstream(fakeAnthropic)
  geminiUpstream = startFakeUpstream(fakeGemini)
  slowUpstream = startFakeUpstream(async () => {
    await Bun.sleep(2_000)
    return Response.json({ late: true })
  })
  // A port that was just open and is now closed: nothing listens there.
  const closed = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') })
  closedPortUrl = `http://127.0.0.1:${closed.port}`
  closed.stop(true)

  ;[gw, smallGw, brokenGw, noCredGw] = await Promise.all([
    startTestGateway({ upstreams: { openai: openaiUpstream.url, anthropic: anthropicUpstream.url, gemini: geminiUpstream.url } }),
    startTestGateway({ upstreams: { openai: openaiUpstream.url, anthropic: anthropicUpstream.url }, env: { SOCIARO_MAX_BODY_BYTES: '2048' } }),
    startTestGateway({
      upstreams: { openai: closedPortUrl, anthropic: slowUpstream.url },
      env: { SOCIARO_UPSTREAM_HEADERS_TIMEOUT_MS: '300' },
    }),
    startTestGateway({ upstreams: { openai: openaiUpstream.url }, withoutCredential: ['openai'] }),
  ])
})

afterAll(async () => {
  await Promise.all([gw?.stop(), smallGw?.stop(), brokenGw?.stop(), noCredGw?.stop()])
  for (const upstream of [openaiUpstream, anthropicUpstream, geminiUpstream, slowUpstream]) upstream?.stop()
})

describe('401: authentication', () => {
  test('missing key: OpenAI-shaped body from /openai, Anthropic-shaped from /anthropic', async () => {
    const before = openaiUpstream.requests.length
    const o = await record(
      await fetch(`${gw.url}/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [] }),
      }),
    )
    expect(o.status).toBe(401)
    expect(o.headers.get('content-type')).toContain('application/json')
    expectGatewayHeaders(o.headers, 'false')
    const ob = JSON.parse(o.body)
    expect(ob.error.code).toBe('invalid_api_key')
    expect(ob.error.type).toBe('invalid_request_error')
    expect(typeof ob.error.message).toBe('string')
    expect(ob.error.message.length).toBeGreaterThan(0)

    const a = await record(
      await fetch(`${gw.url}/anthropic/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 1, messages: [] }),
      }),
    )
    expect(a.status).toBe(401)
    expectGatewayHeaders(a.headers, 'false')
    const ab = JSON.parse(a.body)
    expect(ab.type).toBe('error')
    expect(ab.error.type).toBe('authentication_error')
    expect(typeof ab.error.message).toBe('string')
    // A Bearer header with an empty value is still "missing".
    const empty = await record(await fetch(`${gw.url}/openai/v1/models`, { headers: { authorization: 'Bearer ' } }))
    expect(empty.status).toBe(401)
    expect(openaiUpstream.requests.length).toBe(before)
  })

  test('unknown key → AuthenticationError in both SDKs', async () => {
    const bogus = 'gw_live_this_key_does_not_exist_0000000000'
    const oErr = await caught(chat(openai(bogus, { fetch: countingFetch().fetch })))
    expect(oErr).toBeInstanceOf(OpenAI.AuthenticationError)
    expect(oErr.status).toBe(401)
    expect(oErr.code).toBe('invalid_api_key')
    expectGatewayHeaders(oErr.headers, 'false')

    const aErr = await caught(message(anthropic(bogus, { fetch: countingFetch().fetch })))
    expect(aErr).toBeInstanceOf(Anthropic.AuthenticationError)
    expect(aErr.status).toBe(401)
    expect(aErr.error.error.type).toBe('authentication_error')
    expectGatewayHeaders(aErr.headers, 'false')
    // The raw upstream key is not a gateway key either.
    expect(await caught(chat(openai(UPSTREAM_SECRET)))).toBeInstanceOf(OpenAI.AuthenticationError)
  })

  test('revoked key is refused at once', async () => {
    const { id, key } = await gw.createKey({ name: 'to-revoke' })
    const oClient = openai(key, { fetch: countingFetch().fetch })
    const aClient = anthropic(key, { fetch: countingFetch().fetch })
    expect((await chat(oClient)).id).toBe('chatcmpl-1')
    expect((await message(aClient)).id).toBe('msg_01')
    const revoked = await gw.admin('POST', `/keys/${id}/revoke`)
    expect(revoked.status).toBe(200)
    const before = openaiUpstream.requests.length + anthropicUpstream.requests.length

    const oErr = await caught(chat(oClient))
    expect(oErr).toBeInstanceOf(OpenAI.AuthenticationError)
    expect(oErr.status).toBe(401)
    expect(oErr.message).toContain('revoked')
    const aErr = await caught(message(aClient))
    expect(aErr).toBeInstanceOf(Anthropic.AuthenticationError)
    expect(aErr.status).toBe(401)
    expect(openaiUpstream.requests.length + anthropicUpstream.requests.length).toBe(before)
  })

  test('expired key (already in the past, and expiring a moment after creation)', async () => {
    const past = await gw.createKey({ name: 'expired', expires_at: new Date(Date.now() - 60_000).toISOString() })
    const pastErr = await caught(chat(openai(past.key, { fetch: countingFetch().fetch })))
    expect(pastErr).toBeInstanceOf(OpenAI.AuthenticationError)
    expect(pastErr.status).toBe(401)
    expect(pastErr.message).toContain('expired')

    const expiresAt = Date.now() + 600
    const soon = await gw.createKey({ name: 'expiring', expires_at: new Date(expiresAt).toISOString() })
    const client = anthropic(soon.key, { fetch: countingFetch().fetch })
    expect((await message(client)).id).toBe('msg_01')
    await Bun.sleep(Math.max(0, expiresAt - Date.now()) + 50)
    const soonErr = await caught(message(client))
    expect(soonErr).toBeInstanceOf(Anthropic.AuthenticationError)
    expect(soonErr.status).toBe(401)
    expect(soonErr.message).toContain('expired')
  })
})

describe('403: model not allowed', () => {
  test("key allowed 'openai/gpt-4o*' may use gpt-4o-mini but not gpt-3.5-turbo", async () => {
    const { key } = await gw.createKey({ name: 'gpt-4o-only', models: ['openai/gpt-4o*'] })
    const { fetch, calls } = countingFetch()
    const client = openai(key, { fetch })
    expect((await chat(client, 'gpt-4o-mini')).id).toBe('chatcmpl-1')
    const before = openaiUpstream.requests.length
    const err = await caught(chat(client, 'gpt-3.5-turbo'))
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError)
    expect(err.status).toBe(403)
    expect(err.message).toContain('gpt-3.5-turbo')
    expectGatewayHeaders(err.headers, 'false')
    expect(openaiUpstream.requests.length).toBe(before)
    expect(calls.length).toBe(2)
  })

  test("key allowed 'anthropic/*' may not call OpenAI; Anthropic SDK gets PermissionDeniedError the other way round", async () => {
    const { key } = await gw.createKey({ name: 'anthropic-only', models: ['anthropic/*'] })
    const err = await caught(chat(openai(key, { fetch: countingFetch().fetch })))
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError)
    expect(err.status).toBe(403)
    expect((await message(anthropic(key))).id).toBe('msg_01')

    const openaiOnly = await gw.createKey({ name: 'openai-only', models: ['openai/*'] })
    const aErr = await caught(message(anthropic(openaiOnly.key, { fetch: countingFetch().fetch })))
    expect(aErr).toBeInstanceOf(Anthropic.PermissionDeniedError)
    expect(aErr.status).toBe(403)
    expect(aErr.error.type).toBe('error')
    expect(aErr.error.error.type).toBe('permission_error')
    expectGatewayHeaders(aErr.headers, 'false')
  })

  test('the allowlist applies to Gemini path models, answered in Gemini’s error shape', async () => {
    const { key } = await gw.createKey({ name: 'flash-only', models: ['gemini/gemini-2.5-flash*'] })
    const body = JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] })
    const before = geminiUpstream.requests.length
    for (const target of ['/gemini/v1beta/models/gemini-2.5-pro:generateContent', `/gemini/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse&key=${key}`]) {
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (!target.includes('key=')) headers['x-goog-api-key'] = key
      const denied = await record(await fetch(`${gw.url}${target}`, { method: 'POST', headers, body }))
      expect(denied.status).toBe(403)
      expectGatewayHeaders(denied.headers, 'false')
      const parsed = JSON.parse(denied.body)
      expect(parsed.error.code).toBe(403)
      expect(parsed.error.status).toBe('PERMISSION_DENIED')
      expect(parsed.error.message).toContain('gemini-2.5-pro')
    }
    // An encoded model name is decoded before the check.
    const encoded = await record(
      await fetch(`${gw.url}/gemini/v1beta/models/gemini%2D2.5-pro:generateContent`, { method: 'POST', headers: { 'x-goog-api-key': key }, body }),
    )
    expect(encoded.status).toBe(403)
    expect(geminiUpstream.requests.length).toBe(before)

    const allowed = await fetch(`${gw.url}/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'x-goog-api-key': key, 'content-type': 'application/json' },
      body,
    })
    expect(allowed.status).toBe(200)
    await allowed.arrayBuffer()
    expect(geminiUpstream.requests.length).toBe(before + 1)
  })
})

describe('404: unknown provider', () => {
  test('OpenAI client pointed at /nosuch/v1 gets NotFoundError', async () => {
    const { fetch, calls } = countingFetch()
    const client = new OpenAI({ apiKey: gw.key, baseURL: `${gw.url}/nosuch/v1`, maxRetries: 2, fetch })
    const err = await caught(chat(client))
    expect(err).toBeInstanceOf(OpenAI.NotFoundError)
    expect(err.status).toBe(404)
    expect(err.code).toBe('unknown_provider')
    expectGatewayHeaders(err.headers, 'false')
    expect(calls.length).toBe(1)
  })

  test('a path no route serves gets the same OpenAI-shaped 404', async () => {
    const res = await fetch(`${gw.url}/openai`)
    expect(res.status).toBe(404)
    expectGatewayHeaders(res.headers, 'false')
    const body = (await res.json()) as { error: { type: string; code: string; message: string } }
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'not_found' })
    expect(body.error.message).toContain('/{provider}/{upstream path}')
  })
})

describe('400: model unreadable', () => {
  test('OpenAI: body without a model → BadRequestError', async () => {
    const err = await caught(openai(gw.key, { fetch: countingFetch().fetch }).post('/chat/completions', { body: { messages: [] } }))
    expect(err).toBeInstanceOf(OpenAI.BadRequestError)
    expect(err.status).toBe(400)
    expect(err.code).toBe('model_unreadable')
    expectGatewayHeaders(err.headers, 'false')
    // A non-string model is no model either.
    const numeric = await caught(openai(gw.key).post('/chat/completions', { body: { model: 42, messages: [] } }))
    expect(numeric).toBeInstanceOf(OpenAI.BadRequestError)
  })

  test('OpenAI: raw requests without a model and with invalid JSON', async () => {
    const before = openaiUpstream.requests.length
    for (const body of ['{"messages":[]}', '{"model": "gpt-4o-mini", "messages": [', 'not json at all', '']) {
      const response = await record(
        await fetch(`${gw.url}/openai/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
          body,
        }),
      )
      expect(response.status).toBe(400)
      expectGatewayHeaders(response.headers, 'false')
      const parsed = JSON.parse(response.body)
      expect(parsed.error.type).toBe('invalid_request_error')
      expect(parsed.error.code).toBe('model_unreadable')
    }
    expect(openaiUpstream.requests.length).toBe(before)
  })

  test('Anthropic: body without a model → BadRequestError with invalid_request_error', async () => {
    const { fetch, calls } = countingFetch()
    const err = await caught(anthropic(gw.key, { fetch, maxRetries: 2 }).post('/v1/messages', { body: { max_tokens: 1, messages: [] } }))
    expect(err).toBeInstanceOf(Anthropic.BadRequestError)
    expect(err.status).toBe(400)
    expect(err.error.error.type).toBe('invalid_request_error')
    expectGatewayHeaders(err.headers, 'false')
    expect(calls.length).toBe(1)

    const raw = await record(
      await fetch(`${gw.url}/anthropic/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': gw.key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: '{"model":',
      }),
    )
    expect(raw.status).toBe(400)
    expect(JSON.parse(raw.body)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
  })
})

describe('413: body too large', () => {
  const big = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(4096) }] })

  test('with content-length: OpenAI and Anthropic shapes', async () => {
    const before = openaiUpstream.requests.length
    const o = await record(
      await fetch(`${smallGw.url}/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${smallGw.key}`, 'content-type': 'application/json' },
        body: big,
      }),
    )
    expect(o.status).toBe(413)
    expectGatewayHeaders(o.headers, 'false')
    expect(JSON.parse(o.body).error.code).toBe('body_too_large')

    const a = await record(
      await fetch(`${smallGw.url}/anthropic/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': smallGw.key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: big,
      }),
    )
    expect(a.status).toBe(413)
    expect(JSON.parse(a.body)).toMatchObject({ type: 'error', error: { type: 'request_too_large' } })
    expect(openaiUpstream.requests.length).toBe(before)
  })

  test('chunked (no content-length) is cut off at the limit too', async () => {
    const bytes = new TextEncoder().encode(big)
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 512) controller.enqueue(bytes.slice(i, i + 512))
        controller.close()
      },
    })
    const response = await record(
      await fetch(`${smallGw.url}/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${smallGw.key}`, 'content-type': 'application/json' },
        body: stream,
        duplex: 'half',
      } as RequestInit),
    )
    expect(response.status).toBe(413)
    expectGatewayHeaders(response.headers, 'false')
    expect(JSON.parse(response.body).error.code).toBe('body_too_large')
  })

  test('SDKs raise APIError with status 413 and do not retry', async () => {
    const { fetch, calls } = countingFetch()
    const err = await caught(chat(openai(smallGw.key, { fetch, maxRetries: 2 }, smallGw.url), 'gpt-4o-mini', 'x'.repeat(4096)))
    expect(err).toBeInstanceOf(OpenAI.APIError)
    expect(err.status).toBe(413)
    expect(calls.length).toBe(1)

    const counted = countingFetch()
    const aErr = await caught(message(anthropic(smallGw.key, { fetch: counted.fetch, maxRetries: 2 }, smallGw.url), 'claude-gateway-test', 'x'.repeat(4096)))
    expect(aErr).toBeInstanceOf(Anthropic.APIError)
    expect(aErr.status).toBe(413)
    expect(counted.calls.length).toBe(1)
  })

  test('a body just under the limit still goes through', async () => {
    const small = await chat(openai(smallGw.key, {}, smallGw.url), 'gpt-4o-mini', 'y'.repeat(1500))
    expect(small.id).toBe('chatcmpl-1')
  })
})

describe('5xx made by the gateway', () => {
  test('502 upstream unreachable → InternalServerError; retried by the SDK', async () => {
    const err = await caught(chat(openai(brokenGw.key, { fetch: countingFetch().fetch }, brokenGw.url)))
    expect(err).toBeInstanceOf(OpenAI.InternalServerError)
    expect(err.status).toBe(502)
    expect(err.headers.get('x-sociaro-request-id')).toMatch(/^req_/)
    expect(err.headers.get('x-should-retry')).not.toBe('false')
    expect(err.type).toBe('api_error')

    const { fetch, calls } = countingFetch()
    const retried = await caught(chat(openai(brokenGw.key, { fetch, maxRetries: 2 }, brokenGw.url)))
    expect(retried).toBeInstanceOf(OpenAI.InternalServerError)
    expect(retried.status).toBe(502)
    expect(calls.length).toBe(3)
    expect(calls.every((r) => r.status === 502)).toBe(true)
  })

  test('504 when the upstream sends no headers within the deadline', async () => {
    const startedAt = Date.now()
    const err = await caught(message(anthropic(brokenGw.key, { fetch: countingFetch().fetch }, brokenGw.url)))
    expect(Date.now() - startedAt).toBeLessThan(1_500)
    expect(err).toBeInstanceOf(Anthropic.InternalServerError)
    expect(err.status).toBe(504)
    expect(err.error.error.type).toBe('timeout_error')
    expect(err.headers.get('x-sociaro-request-id')).toMatch(/^req_/)
    expect(err.headers.get('x-should-retry')).not.toBe('false')
  })

  test('503 with x-should-retry: false when no credential is configured', async () => {
    const { fetch, calls } = countingFetch()
    const err = await caught(chat(openai(noCredGw.key, { fetch, maxRetries: 2 }, noCredGw.url)))
    expect(err).toBeInstanceOf(OpenAI.InternalServerError)
    expect(err.status).toBe(503)
    expectGatewayHeaders(err.headers, 'false')
    expect(calls.length).toBe(1)
  })
})

describe('retry advice', () => {
  test('the SDKs make exactly one call for a 401 and a 403 even with maxRetries: 2', async () => {
    const limited = await gw.createKey({ name: 'retry-403', models: ['openai/gpt-4o*'] })
    for (const [key, model, status] of [
      ['gw_live_unknown_for_retry_test_000000000000', 'gpt-4o-mini', 401],
      [limited.key, 'gpt-3.5-turbo', 403],
    ] as const) {
      const o = countingFetch()
      const oErr = await caught(chat(openai(key, { fetch: o.fetch, maxRetries: 2 }), model))
      expect(oErr.status).toBe(status)
      expect(o.calls.length).toBe(1)

      const a = countingFetch()
      const aErr = await caught(message(anthropic(key, { fetch: a.fetch, maxRetries: 2 })))
      expect(aErr.status).toBe(status)
      expect(a.calls.length).toBe(1)
    }
  })
})

describe('upstream errors pass through', () => {
  test('a 429 from the upstream reaches the client byte-identical, headers included', async () => {
    const response = await fetch(`${gw.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json', 'x-test': 'rate-limited' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      decompress: false,
    } as RequestInit)
    expect(response.status).toBe(429)
    expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(RATE_LIMIT_BODY))
    expect(response.headers.get('retry-after')).toBe('7')
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('0')
    expect(response.headers.get('x-request-id')).toBe('req_up_429')
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(response.headers.get('x-sociaro-request-id')).toMatch(/^req_/)
    // The gateway adds no retry advice of its own to an upstream answer.
    expect(response.headers.get('x-should-retry')).toBeNull()

    const err = await caught(openai(gw.key, { defaultHeaders: { 'x-test': 'rate-limited' } }).chat.completions.create({ model: 'gpt-4o-mini', messages: [] }))
    expect(err).toBeInstanceOf(OpenAI.RateLimitError)
    expect(err.status).toBe(429)
    expect(err.code).toBe('rate_limit_exceeded')
    expect(err.message).toContain('请稍后 🙏')
    expect(err.headers.get('retry-after')).toBe('7')
    expect(err.requestID).toBe('req_up_429')
  })

  test("the upstream's own 404 passes through unchanged, without gateway retry advice", async () => {
    const response = await fetch(`${gw.url}/openai/v1/no-such-endpoint`, { headers: { authorization: `Bearer ${gw.key}` } })
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ error: { message: 'not found', type: 'invalid_request_error', param: null, code: null } })
    expect(response.headers.get('x-should-retry')).toBeNull()
    expect(response.headers.get('x-sociaro-request-id')).toMatch(/^req_/)
  })
})

describe('no credential leaks', () => {
  test('the real upstream credential appears in no gateway-generated error', () => {
    expect(gatewayErrors.length).toBeGreaterThan(15)
    const statuses = new Set(gatewayErrors.map((e) => e.status))
    for (const status of [400, 401, 403, 404, 413, 502, 503, 504]) expect(statuses.has(status)).toBe(true)
    for (const error of gatewayErrors) {
      expect(error.body).not.toContain(UPSTREAM_SECRET)
      for (const [name, value] of error.headers) {
        expect(name).not.toContain(UPSTREAM_SECRET)
        expect(value).not.toContain(UPSTREAM_SECRET)
      }
    }
  })
})
