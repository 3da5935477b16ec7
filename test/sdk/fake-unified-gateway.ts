// A Bun.serve fake of the gateway's unified contract (/v1/*), with scripted answers for errors, waits and cuts.
import { scriptedBody, type ScriptStep } from '../support/fake-upstream.ts'

export const FAKE_KEY = 'gw_live_fake_0123456789abcdef'
const PROVIDERS = ['openai', 'anthropic', 'gemini', 'openrouter', 'mistral', 'mock']
/** The fake key's allowlist: `mistral/*` is configured but not allowed, so it answers 403. */
const ALLOWED = ['openai/', 'anthropic/', 'gemini/', 'openrouter/', 'mock/']
export const MODELS = [
  { id: 'openai/gpt-4o', object: 'model', owned_by: 'openai', pricing: { input_per_million_usd: 2.5, output_per_million_usd: 10, source: 'list' } },
  { id: 'openai/text-embedding-3-small', object: 'model', owned_by: 'openai', pricing: { input_per_million_usd: 0.02, output_per_million_usd: 0, source: 'override' } },
  { id: 'openrouter/anthropic/claude-sonnet-4.5', object: 'model', owned_by: 'openrouter' },
]

export interface Scripted {
  status?: number
  headers?: Record<string, string>
  body?: unknown
  /** Milliseconds before the answer's headers. */
  delayMs?: number
  /** A streamed body instead of `body` (steps may pause or cut the connection). */
  steps?: ScriptStep[]
}

export interface Seen {
  method: string
  path: string
  query: URLSearchParams
  headers: Headers
  body: unknown
}

export interface FakeUnifiedGateway {
  readonly url: string
  readonly requests: Seen[]
  /** Streams the client hung up on before their end. */
  readonly cancelled: { count: number }
  script(...answers: Scripted[]): void
  reset(): void
  stop(): void
}

export function openaiError(message: string, type: string, code: string | null, param: string | null = null) {
  return { error: { message, type, param, code } }
}

export function startFakeUnifiedGateway(): FakeUnifiedGateway {
  const requests: Seen[] = []
  const scripted: Scripted[] = []
  const cancelled = { count: 0 }
  let counter = 0

  const json = (status: number, body: unknown, headers: Record<string, string>, extra: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers, ...extra } })

  const sse = (events: Array<[string | null, string]>, headers: Record<string, string>, gapMs = 0) => {
    const steps: ScriptStep[] = events.map(([name, data]) => ({ send: `${name ? `event: ${name}\n` : ''}data: ${data}\n\n`, wait: gapMs }))
    return new Response(scriptedBody(steps, () => cancelled.count++), { headers: { 'content-type': 'text/event-stream', ...headers } })
  }

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      const url = new URL(request.url)
      const text = await request.text()
      let body: unknown = text
      try {
        body = text ? JSON.parse(text) : undefined
      } catch {}
      requests.push({ method: request.method, path: url.pathname, query: url.searchParams, headers: request.headers, body })
      const id = { 'x-sociaro-request-id': `req_fake_${String(++counter).padStart(6, '0')}` }
      const next = scripted.shift()
      if (next) {
        if (next.delayMs) await Bun.sleep(next.delayMs)
        const headers = { 'content-type': 'application/json', ...id, ...next.headers }
        if (next.steps) return new Response(scriptedBody(next.steps, () => cancelled.count++), { status: next.status ?? 200, headers })
        return new Response(typeof next.body === 'string' ? next.body : JSON.stringify(next.body ?? {}), { status: next.status ?? 200, headers })
      }
      if (request.headers.get('authorization') !== `Bearer ${FAKE_KEY}`) {
        return json(401, openaiError('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'), id, { 'x-should-retry': 'false' })
      }
      const payload = (body ?? {}) as Record<string, any>
      const model = (): string | Response => {
        const m = payload.model
        if (typeof m !== 'string' || !m.includes('/') || !PROVIDERS.includes(m.split('/')[0]!)) {
          const message = `model must be 'provider/model' (for example 'openai/gpt-4o'); providers: ${PROVIDERS.join(', ')}`
          return json(400, openaiError(message, 'invalid_request_error', 'invalid_model', 'model'), id, { 'x-should-retry': 'false' })
        }
        if (!ALLOWED.some((p) => m.startsWith(p))) return json(403, openaiError(`This key may not use ${m}.`, 'invalid_request_error', 'model_not_allowed'), id, { 'x-should-retry': 'false' })
        return m
      }
      const route = `${request.method} ${url.pathname}`
      if (route === 'POST /v1/chat/completions') {
        const m = model()
        if (m instanceof Response) return m
        const last = String(payload.messages?.at(-1)?.content ?? '')
        const answer = `Echo: ${last}`
        const usage = { prompt_tokens: last.split(' ').length, completion_tokens: answer.split(' ').length, total_tokens: last.split(' ').length + answer.split(' ').length }
        const upstreamModel = m.slice(m.indexOf('/') + 1)
        if (payload.stream !== true) {
          return json(200, { id: 'chatcmpl-fake', object: 'chat.completion', created: 1764633600, model: upstreamModel, choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }], usage }, id)
        }
        const chunk = (delta: object, finish: string | null) => JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', model: upstreamModel, choices: [{ index: 0, delta, finish_reason: finish }] })
        const events: Array<[string | null, string]> = answer.split(' ').map((word, i) => [null, chunk(i === 0 ? { role: 'assistant', content: word } : { content: ` ${word}` }, null)])
        events.push([null, chunk({}, 'stop')])
        if (payload.stream_options?.include_usage) events.push([null, JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', model: upstreamModel, choices: [], usage })])
        events.push([null, '[DONE]'])
        return sse(events, id, Number(payload.metadata?.fake_gap_ms ?? 0))
      }
      if (route === 'POST /v1/embeddings') {
        const m = model()
        if (m instanceof Response) return m
        const inputs: unknown[] = Array.isArray(payload.input) ? payload.input : [payload.input]
        const data = inputs.map((input, index) => ({ object: 'embedding', index, embedding: [String(input).length, 0.5, -0.25] }))
        return json(200, { object: 'list', data, model: m.slice(m.indexOf('/') + 1), usage: { prompt_tokens: inputs.length, total_tokens: inputs.length } }, id)
      }
      if (route === 'POST /v1/responses') {
        const m = model()
        if (m instanceof Response) return m
        const answer = `Echo: ${payload.input}`
        const done = { id: 'resp_fake', object: 'response', status: 'completed', model: m.slice(m.indexOf('/') + 1), output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: answer }] }], usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5 } }
        if (payload.stream !== true) return json(200, done, id)
        const events: Array<[string | null, string]> = [['response.created', JSON.stringify({ type: 'response.created', response: { ...done, status: 'in_progress', output: [] } })]]
        for (const word of answer.split(' ')) events.push(['response.output_text.delta', JSON.stringify({ type: 'response.output_text.delta', delta: `${word} ` })])
        events.push(['response.completed', JSON.stringify({ type: 'response.completed', response: done })])
        return sse(events, id)
      }
      if (route === 'GET /v1/models') return json(200, { object: 'list', data: MODELS }, id)
      if (request.method === 'GET' && url.pathname.startsWith('/v1/models/')) {
        const wanted = decodeURIComponent(url.pathname.slice('/v1/models/'.length))
        const found = MODELS.find((m) => m.id === wanted)
        return found ? json(200, found, id) : json(404, openaiError(`The model ${wanted} does not exist or this key may not use it.`, 'invalid_request_error', 'model_not_found'), id, { 'x-should-retry': 'false' })
      }
      if (route === 'GET /v1/me') {
        return json(200, { object: 'key', id: 'key_fake', name: 'fake key', organization: { id: 'org_fake', name: 'fake org' }, allowed_models: ALLOWED.map((p) => `${p}*`), limits: { rpm: 60, budget_usd: 10 }, period: { spend_usd: 1.25, remaining_usd: 8.75 } }, id)
      }
      if (route === 'GET /v1/me/usage') {
        const groupBy = url.searchParams.get('group_by') ?? 'day'
        const sums = { requests: 3, input_tokens: 30, output_tokens: 12, cost_micros: 400, cost_usd: 0.0004 }
        const row = groupBy === 'day' ? { day: '2026-12-01', starts_at: '2026-12-01T08:00:00.000Z', ...sums } : { model: 'openai/gpt-4o', ...sums }
        return json(200, { object: 'usage', from: url.searchParams.get('from'), to: url.searchParams.get('to'), group_by: groupBy, time_zone: 'America/Los_Angeles', data: [row], totals: sums }, id)
      }
      return json(404, openaiError(`No route ${route}.`, 'invalid_request_error', 'not_found'), id, { 'x-should-retry': 'false' })
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    cancelled,
    script: (...answers) => void scripted.push(...answers),
    reset() {
      requests.length = 0
      scripted.length = 0
      cancelled.count = 0
      counter = 0
    },
    stop: () => void server.stop(true),
  }
}
