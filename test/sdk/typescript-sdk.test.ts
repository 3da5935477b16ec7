// The TypeScript SDK (sdk/typescript) against a fake of the unified contract: results, streams, errors, retries, timeouts.
import { afterAll, beforeEach, describe, expect, test } from 'bun:test'
import {
  APIConnectionError,
  APIError,
  APIStatusError,
  APITimeoutError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  Sociaro,
  SociaroError,
  Stream,
  UnprocessableEntityError,
  modelPath,
  retryDelayMs,
  serverDelayMs,
  serverSentEvents,
  shouldRetryStatus,
  type ChatCompletionChunk,
} from '../../sdk/typescript/src/index.ts'
import { caught } from '../support/caught.ts'
import { FAKE_KEY, MODELS, openaiError, startFakeUnifiedGateway, type Scripted } from './fake-unified-gateway.ts'

const fake = startFakeUnifiedGateway()
afterAll(() => fake.stop())
beforeEach(() => fake.reset())

const client = (options: ConstructorParameters<typeof Sociaro>[0] = {}) => new Sociaro({ apiKey: FAKE_KEY, baseURL: fake.url, maxRetries: 0, ...options })
const hello = { model: 'openai/gpt-4o', messages: [{ role: 'user' as const, content: 'Hello!' }] }
const errorAnswer = (status: number, headers: Record<string, string> = {}): Scripted => ({
  status,
  headers,
  body: openaiError(`scripted ${status}`, 'invalid_request_error', 'some_code', 'model'),
})

describe('results', () => {
  test('the README snippet, with the key and base URL from the environment', async () => {
    const saved = { key: process.env.SOCIARO_API_KEY, url: process.env.SOCIARO_BASE_URL }
    process.env.SOCIARO_API_KEY = FAKE_KEY
    process.env.SOCIARO_BASE_URL = fake.url
    try {
      const client = new Sociaro()
      const response = await client.chat.completions.create({
        model: 'openai/gpt-4o',
        messages: [{ role: 'user', content: 'Hello!' }],
      })
      expect(response.choices[0]!.message.content).toBe('Echo: Hello!')
    } finally {
      for (const [name, value] of [['SOCIARO_API_KEY', saved.key], ['SOCIARO_BASE_URL', saved.url]] as const) {
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      }
    }
  })

  test('a chat completion is the JSON as sent, with the request id beside it (not in it)', async () => {
    const response = await client().chat.completions.create({ ...hello, temperature: 0.2, custom_field: { kept: true } })
    expect(response.choices[0]!.message.content).toBe('Echo: Hello!')
    expect(response.usage!.total_tokens).toBe(response.usage!.prompt_tokens + response.usage!.completion_tokens)
    expect(response._request_id).toBe('req_fake_000001')
    expect(Object.keys(response)).not.toContain('_request_id')
    expect(JSON.parse(JSON.stringify(response)).choices[0].message.content).toBe('Echo: Hello!')
    const seen = fake.requests[0]!
    expect(seen.path).toBe('/v1/chat/completions')
    expect(seen.body).toEqual({ ...hello, temperature: 0.2, custom_field: { kept: true } })
    expect(seen.headers.get('authorization')).toBe(`Bearer ${FAKE_KEY}`)
    expect(seen.headers.get('content-type')).toBe('application/json')
  })

  test('embeddings, responses, models, me and usage', async () => {
    const c = client()
    const embedded = await c.embeddings.create({ model: 'openai/text-embedding-3-small', input: ['one', 'three'] })
    expect(embedded.data.map((d) => d.embedding)).toEqual([[3, 0.5, -0.25], [5, 0.5, -0.25]])
    const answer = await c.responses.create({ model: 'openai/gpt-4o', input: 'Say hi.' })
    expect(answer.output[0]!.content![0]!.text).toBe('Echo: Say hi.')
    const models = await c.models.list()
    expect(models.data.map((m) => m.id)).toEqual(MODELS.map((m) => m.id))
    expect(models.data[0]!.pricing!.input_per_million_usd).toBe(2.5)
    expect(models.data.map((m) => m.pricing?.source)).toEqual(['list', 'override', undefined])
    const one = await c.models.retrieve('openrouter/anthropic/claude-sonnet-4.5')
    expect(one.id).toBe('openrouter/anthropic/claude-sonnet-4.5')
    expect(fake.requests.at(-1)!.path).toBe('/v1/models/openrouter/anthropic/claude-sonnet-4.5')
    const missing = await caught(c.models.retrieve('openai/none'))
    expect(missing).toBeInstanceOf(NotFoundError)
    const me = await c.me()
    expect(me.name).toBe('fake key')
    expect(me.allowed_models).toContain('openai/*')
    const usage = await c.usage({ from: '2026-12-01', to: new Date('2026-12-02T00:00:00Z'), group_by: 'model' })
    expect(usage.data[0]!.model).toBe('openai/gpt-4o')
    const query = fake.requests.at(-1)!.query
    expect([query.get('from'), query.get('to'), query.get('group_by')]).toEqual(['2026-12-01', '2026-12-02T00:00:00.000Z', 'model'])
    expect(await caught(c.usage({ group_by: 'week' as 'day' }))).toBeInstanceOf(SociaroError)
    const days = await c.usage({ group_by: 'day' })
    expect([days.time_zone, days.data[0]!.day, days.data[0]!.starts_at, days.totals.cost_micros]).toEqual(['America/Los_Angeles', '2026-12-01', '2026-12-01T08:00:00.000Z', 400])
  })
})

describe('streams', () => {
  test('chunks arrive typed and in order, with the usage chunk, ending at [DONE]', async () => {
    const stream = await client().chat.completions.create({ ...hello, stream: true, stream_options: { include_usage: true } })
    expect(stream).toBeInstanceOf(Stream)
    expect(stream.requestID).toBe('req_fake_000001')
    const chunks: ChatCompletionChunk[] = []
    for await (const chunk of stream) chunks.push(chunk)
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Echo: Hello!')
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop')
    expect(chunks.at(-1)!.usage!.completion_tokens).toBe(2)
    expect(fake.requests[0]!.body).toMatchObject({ stream: true })
    expect(fake.requests[0]!.headers.get('accept')).toBe('text/event-stream')
  })

  test('a Responses stream yields its typed events', async () => {
    const stream = await client().responses.create({ model: 'openai/gpt-4o', input: 'Say hi.', stream: true })
    const types: string[] = []
    let text = ''
    for await (const event of stream) {
      types.push(event.type)
      if (event.type === 'response.output_text.delta') text += event.delta
    }
    expect(types[0]).toBe('response.created')
    expect(types.at(-1)).toBe('response.completed')
    expect(text.trim()).toBe('Echo: Say hi.')
  })

  test('controller.abort() ends the iteration quietly and hangs up on the server', async () => {
    const stream = await client().chat.completions.create({ ...hello, messages: [{ role: 'user', content: 'a b c d e f g h i j' }], stream: true, metadata: { fake_gap_ms: 100 } })
    const seen: ChatCompletionChunk[] = []
    for await (const chunk of stream) {
      seen.push(chunk)
      if (seen.length === 2) stream.controller.abort()
    }
    expect(seen.length).toBe(2)
    for (let i = 0; i < 100 && fake.cancelled.count === 0; i++) await Bun.sleep(20)
    expect(fake.cancelled.count).toBe(1)
  })

  test('leaving the loop early closes the connection too', async () => {
    const stream = await client().chat.completions.create({ ...hello, messages: [{ role: 'user', content: 'a b c d e f g h i j' }], stream: true, metadata: { fake_gap_ms: 100 } })
    for await (const _ of stream) break
    for (let i = 0; i < 100 && fake.cancelled.count === 0; i++) await Bun.sleep(20)
    expect(fake.cancelled.count).toBe(1)
    expect(stream.controller.signal.aborted).toBe(true)
  })

  test('an error event throws APIError with its body; a cut stream throws APIConnectionError', async () => {
    const error = { error: { message: 'upstream overloaded mid-stream', type: 'api_error', code: null, param: null } }
    fake.script({ headers: { 'content-type': 'text/event-stream' }, steps: [{ send: 'data: {"object":"chat.completion.chunk","choices":[]}\n\n' }, { send: `data: ${JSON.stringify(error)}\n\n` }] })
    const items: unknown[] = []
    const thrown = await caught((async () => {
      for await (const chunk of await client().chat.completions.create({ ...hello, stream: true })) items.push(chunk)
    })())
    expect(items.length).toBe(1)
    expect(thrown).toBeInstanceOf(APIError)
    expect((thrown as APIError).message).toBe('upstream overloaded mid-stream')
    expect((thrown as APIError).body).toEqual(error)

    fake.script({ headers: { 'content-type': 'text/event-stream' }, steps: [{ send: 'data: {"object":"chat.completion.chunk","choices":[]}\n\n' }, { fail: true }] })
    const cut = await caught((async () => {
      for await (const _ of await client().chat.completions.create({ ...hello, stream: true })) {
      }
    })())
    expect(cut).toBeInstanceOf(APIConnectionError)
  })

  test('no chunk within the timeout is an APITimeoutError', async () => {
    fake.script({ headers: { 'content-type': 'text/event-stream' }, steps: [{ send: 'data: {"object":"chat.completion.chunk","choices":[]}\n\n', wait: 3000 }, { send: 'data: [DONE]\n\n' }] })
    const stream = await client({ timeout: 300 }).chat.completions.create({ ...hello, stream: true })
    const started = performance.now()
    const thrown = await caught((async () => {
      for await (const _ of stream) {
      }
    })())
    expect(thrown).toBeInstanceOf(APITimeoutError)
    // Only "did not wait for the 3 s pause": the bound is generous.
    expect(performance.now() - started).toBeLessThan(2500)
  })
})

describe('errors', () => {
  test('each status throws its class with the status, request id and parsed body', async () => {
    const classes: Array<[number, new (...args: any[]) => APIStatusError]> = [
      [400, BadRequestError], [401, AuthenticationError], [403, PermissionDeniedError], [404, NotFoundError], [409, ConflictError],
      [422, UnprocessableEntityError], [429, RateLimitError], [500, InternalServerError], [503, InternalServerError], [418, APIStatusError],
    ]
    let n = 0
    for (const [status, ErrorClass] of classes) {
      fake.script(errorAnswer(status))
      const error = (await caught(client().chat.completions.create(hello))) as APIStatusError
      n++
      expect(error.constructor).toBe(ErrorClass)
      expect(error).toBeInstanceOf(APIStatusError)
      expect(error).toBeInstanceOf(APIError)
      expect(error.status).toBe(status)
      expect(error.requestID).toBe(`req_fake_${String(n).padStart(6, '0')}`)
      expect(error.body).toEqual(openaiError(`scripted ${status}`, 'invalid_request_error', 'some_code', 'model'))
      expect([error.type, error.code, error.param]).toEqual(['invalid_request_error', 'some_code', 'model'])
      expect(error.message).toBe(`${status} scripted ${status} (request id ${error.requestID})`)
    }
  })

  test('the fake refuses a wrong key, a bare model and a model outside the allowlist in OpenAI shape', async () => {
    const wrong = await caught(client({ apiKey: 'gw_live_wrong', maxRetries: 2 }).chat.completions.create(hello))
    expect(wrong).toBeInstanceOf(AuthenticationError)
    expect(fake.requests.length).toBe(1)
    const bare = (await caught(client().chat.completions.create({ ...hello, model: 'gpt-4o' }))) as BadRequestError
    expect(bare).toBeInstanceOf(BadRequestError)
    expect(bare.message).toContain('provider/model')
    expect(await caught(client().chat.completions.create({ ...hello, model: 'mistral/mistral-large-latest' }))).toBeInstanceOf(PermissionDeniedError)
  })

  test('a body that is not JSON is kept as text; the upstream request id is used when the gateway sent none', async () => {
    fake.script({ status: 502, body: '<html>bad gateway</html>', headers: { 'content-type': 'text/html', 'x-sociaro-request-id': '', 'x-request-id': 'req_up' } })
    const error = (await caught(client().chat.completions.create(hello))) as InternalServerError
    expect(error.body).toBe('<html>bad gateway</html>')
    expect(error.requestID).toBe('req_up')
  })

  test('a refused connection is an APIConnectionError after the retries', async () => {
    const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() })
    const port = probe.port
    probe.stop(true)
    const error = await caught(new Sociaro({ apiKey: 'k', baseURL: `http://127.0.0.1:${port}`, maxRetries: 1 }).models.list())
    expect(error).toBeInstanceOf(APIConnectionError)
    expect(error).not.toBeInstanceOf(APITimeoutError)
  })

  test('a slow answer is an APITimeoutError, retried once; a per-request timeout overrides the client one', async () => {
    fake.script({ delayMs: 2000, body: {} }, { delayMs: 2000, body: {} })
    const started = performance.now()
    expect(await caught(client({ timeout: 300, maxRetries: 1 }).chat.completions.create(hello))).toBeInstanceOf(APITimeoutError)
    expect(performance.now() - started).toBeLessThan(1900)
    expect(fake.requests.length).toBe(2)
    fake.reset()
    fake.script({ delayMs: 2000, body: {} })
    expect(await caught(client({ timeout: 60_000 }).chat.completions.create(hello, { timeout: 300 }))).toBeInstanceOf(APITimeoutError)
  })

  test("the caller's signal aborts a request, also while it waits to retry", async () => {
    fake.script({ delayMs: 1000, body: {} })
    const during = new AbortController()
    setTimeout(() => during.abort(), 100)
    expect(await caught(client().chat.completions.create(hello, { signal: during.signal }))).toBeInstanceOf(APIUserAbortError)
    fake.reset()
    fake.script(errorAnswer(503, { 'retry-after': '30' }))
    const waiting = new AbortController()
    setTimeout(() => waiting.abort(), 200)
    const started = performance.now()
    expect(await caught(client({ maxRetries: 2 }).chat.completions.create(hello, { signal: waiting.signal }))).toBeInstanceOf(APIUserAbortError)
    expect(performance.now() - started).toBeLessThan(5000)
    expect(fake.requests.length).toBe(1)
  })
})

describe('retries', () => {
  test('5xx, 408, 409 and 429 are retried, then succeed; the same body is sent each time', async () => {
    fake.script(errorAnswer(503, { 'retry-after-ms': '10' }), errorAnswer(408, { 'retry-after-ms': '10' }))
    expect((await client({ maxRetries: 2 }).chat.completions.create(hello)).choices[0]!.message.content).toBe('Echo: Hello!')
    expect(fake.requests.length).toBe(3)
    expect(fake.requests[2]!.body).toEqual(fake.requests[0]!.body)
    fake.reset()
    fake.script(errorAnswer(409, { 'retry-after-ms': '10' }), errorAnswer(429, { 'retry-after-ms': '10' }), errorAnswer(429, { 'retry-after-ms': '10' }))
    const error = (await caught(client({ maxRetries: 2 }).chat.completions.create(hello))) as RateLimitError
    expect(error).toBeInstanceOf(RateLimitError)
    expect(error.requestID).toBe('req_fake_000003')
    expect(fake.requests.length).toBe(3)
  })

  test('without a server wait, the backoff is exponential with jitter', async () => {
    fake.script(errorAnswer(500), errorAnswer(500))
    const started = performance.now()
    await client({ maxRetries: 2 }).chat.completions.create(hello)
    // 0.375–0.5 s then 0.75–1 s: at least 1.1 s in all.
    expect(performance.now() - started).toBeGreaterThanOrEqual(1100)
    expect(fake.requests.length).toBe(3)
  })

  test('retry-after (seconds) is waited', async () => {
    fake.script(errorAnswer(429, { 'retry-after': '1' }))
    const started = performance.now()
    await client({ maxRetries: 1 }).chat.completions.create(hello)
    expect(performance.now() - started).toBeGreaterThanOrEqual(950)
    expect(fake.requests.length).toBe(2)
  })

  test('x-should-retry: false stops a retryable status; true retries one that is not', async () => {
    fake.script(errorAnswer(500, { 'x-should-retry': 'false' }))
    expect(await caught(client({ maxRetries: 2 }).chat.completions.create(hello))).toBeInstanceOf(InternalServerError)
    expect(fake.requests.length).toBe(1)
    fake.script(errorAnswer(429, { 'x-should-retry': 'false', 'retry-after': '1' }))
    const budget = (await caught(client({ maxRetries: 2 }).chat.completions.create(hello))) as RateLimitError
    expect(budget).toBeInstanceOf(RateLimitError)
    expect(fake.requests.length).toBe(2)
    fake.script(errorAnswer(400, { 'x-should-retry': 'true', 'retry-after-ms': '10' }))
    await client({ maxRetries: 2 }).chat.completions.create(hello)
    expect(fake.requests.length).toBe(4)
    fake.script(errorAnswer(400))
    expect(await caught(client({ maxRetries: 2 }).chat.completions.create(hello))).toBeInstanceOf(BadRequestError)
    expect(fake.requests.length).toBe(5)
  })
})

describe('pure parts', () => {
  test('retry decisions and delays', () => {
    for (const status of [408, 409, 429, 500, 502, 503]) expect(shouldRetryStatus(status, new Headers())).toBe(true)
    for (const status of [400, 401, 403, 404, 413, 422]) expect(shouldRetryStatus(status, new Headers())).toBe(false)
    expect(shouldRetryStatus(503, new Headers({ 'x-should-retry': 'false' }))).toBe(false)
    expect(serverDelayMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250)
    expect(serverDelayMs(new Headers({ 'retry-after': '2' }))).toBe(2000)
    expect(serverDelayMs(new Headers({ 'retry-after': new Date(1_800_000_005_000).toUTCString() }), () => 1_800_000_000_000)).toBe(5000)
    expect(serverDelayMs(new Headers({ 'retry-after': 'soon' }))).toBeNull()
    expect([5, 4, 3, 2, 1].map((left) => retryDelayMs(left, 5, null, () => 0))).toEqual([500, 1000, 2000, 4000, 8000])
    expect(retryDelayMs(2, 2, null, () => 1)).toBe(375)
    expect(retryDelayMs(2, 2, new Headers({ 'retry-after': '61' }), () => 0)).toBe(500)
    expect(retryDelayMs(2, 2, new Headers({ 'retry-after': '60' }))).toBe(60_000)
  })

  test('SSE framing across chunk boundaries, CRLF split in two, comments and multi-line data', async () => {
    const raw = ': ping\r\n\r\nevent: response.created\r\ndata: {"a":1}\r\n\r\ndata: one\ndata:two\nid: 7\n\ndata: tail'
    const bytes = new TextEncoder().encode(raw)
    const cuts = [3, 9, 10, 25, 41, 42, 60]
    async function* chunks() {
      let last = 0
      for (const cut of [...cuts, bytes.length]) {
        yield bytes.slice(last, cut)
        last = cut
      }
    }
    const seen = []
    for await (const event of serverSentEvents(chunks())) seen.push(event)
    expect(seen).toEqual([{ event: 'response.created', data: '{"a":1}' }, { event: null, data: 'one\ntwo' }, { event: null, data: 'tail' }])
  })

  test('configuration and model paths', () => {
    expect(() => new Sociaro({ apiKey: '' })).toThrow(SociaroError)
    expect(() => new Sociaro({ apiKey: 'k', baseURL: 'ftp://x' })).toThrow(SociaroError)
    expect(() => new Sociaro({ apiKey: 'k', maxRetries: -1 })).toThrow(SociaroError)
    const c = new Sociaro({ apiKey: 'k', baseURL: 'http://gw:8080/prefix/' })
    expect([c.baseURL, c.timeout, c.maxRetries]).toEqual(['http://gw:8080/prefix', 600_000, 2])
    expect(modelPath('fireworks/accounts/fireworks/models/x y')).toBe('fireworks/accounts/fireworks/models/x%20y')
    for (const bad of ['gpt-4o', 'openai/../me', 'openai//x']) expect(() => modelPath(bad)).toThrow(SociaroError)
  })

  test('the stream overload is typed: stream: true gives a Stream, otherwise a ChatCompletion', async () => {
    const c = client()
    const stream: Stream<ChatCompletionChunk> = await c.chat.completions.create({ ...hello, stream: true })
    for await (const _ of stream) {
    }
    const completion = await c.chat.completions.create(hello)
    const content: string | null = completion.choices[0]!.message.content
    expect(content).toBe('Echo: Hello!')
  })
})
