// Wire-format fakes of each provider: the bodies and SSE framing the real APIs send, checked against the real credential.
import { UPSTREAM_SECRET } from './test-gateway.ts'
import { scriptedBody, type FakeHandler, type RecordedRequest, type ScriptStep } from './fake-upstream.ts'

const enc = (s: string) => new TextEncoder().encode(s)

export const OPENAI_CHAT_JSON = JSON.stringify({
  id: 'chatcmpl-1', object: 'chat.completion', created: 1764000000, model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the fake — 你好 🌍' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21, prompt_tokens_details: { cached_tokens: 0 } },
})

export const OPENAI_CHAT_SSE_EVENTS = [
  'data: {"id":"chatcmpl-2","object":"chat.completion.chunk","created":1764000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":""}}],"usage":null}\n\n',
  'data: {"id":"chatcmpl-2","object":"chat.completion.chunk","created":1764000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"你好"}}],"usage":null}\n\n',
  'data: {"id":"chatcmpl-2","object":"chat.completion.chunk","created":1764000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" world"},"finish_reason":"stop"}],"usage":null}\n\n',
  'data: {"id":"chatcmpl-2","object":"chat.completion.chunk","created":1764000000,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":3,"total_tokens":14}}\n\n',
  'data: [DONE]\n\n',
]

export const OPENAI_EMBEDDINGS_JSON = JSON.stringify({
  object: 'list', model: 'text-embedding-3-small',
  data: [{ object: 'embedding', index: 0, embedding: [0.0123, -0.0456, 0.0789] }],
  usage: { prompt_tokens: 5, total_tokens: 5 },
})

export const ANTHROPIC_MESSAGE_JSON = JSON.stringify({
  id: 'msg_01', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5',
  content: [{ type: 'text', text: 'Bonjour — ça va?' }], stop_reason: 'end_turn', stop_sequence: null,
  usage: { input_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 7 },
})

export const ANTHROPIC_SSE_EVENTS = [
  'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_02","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}\n\n',
  'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
  'event: ping\ndata: {"type": "ping"}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi 👋"}}\n\n',
  'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
  'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":12}}\n\n',
  'event: message_stop\ndata: {"type":"message_stop"}\n\n',
]

export const DASHSCOPE_NATIVE_SSE_EVENTS = [
  'id:1\nevent:result\n:HTTP_STATUS/200\ndata:{"output":{"choices":[{"message":{"content":"通义","role":"assistant"},"finish_reason":"null"}]},"usage":{"input_tokens":10,"output_tokens":1,"total_tokens":11},"request_id":"r-1"}\n\n',
  'id:2\nevent:result\n:HTTP_STATUS/200\ndata:{"output":{"choices":[{"message":{"content":"千问","role":"assistant"},"finish_reason":"stop"}]},"usage":{"input_tokens":10,"output_tokens":2,"total_tokens":12},"request_id":"r-1"}\n\n',
]

export const GEMINI_SSE_EVENTS = [
  'data: {"candidates":[{"content":{"parts":[{"text":"Hel"}],"role":"model"}}],"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":1,"totalTokenCount":9},"modelVersion":"gemini-2.5-flash"}\r\n\r\n',
  'data: {"candidates":[{"content":{"parts":[{"text":"lo"}],"role":"model"},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":2,"thoughtsTokenCount":4,"totalTokenCount":14},"modelVersion":"gemini-2.5-flash"}\r\n\r\n',
]

export const BYTEPLUS_CHAT_JSON = JSON.stringify({
  id: '0217', object: 'chat.completion', created: 1764000000, model: 'seed-1-6-250915',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Seed says hi' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 30, completion_tokens: 4, total_tokens: 34, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
})

/** Steps that send each event in two pieces cut at an awkward byte (inside a multi-byte character when there is one). */
export function awkwardSteps(events: string[], waitMs = 5): ScriptStep[] {
  const steps: ScriptStep[] = []
  for (const event of events) {
    const bytes = enc(event)
    const cut = Math.max(1, Math.floor(bytes.length * 0.61))
    steps.push({ send: bytes.slice(0, cut), wait: waitMs }, { send: bytes.slice(cut), wait: waitMs })
  }
  return steps
}

function unauthorized(body: unknown): Response {
  return Response.json(body, { status: 401 })
}

function bearer(request: RecordedRequest): string | null {
  return request.headers.get('authorization')?.replace(/^Bearer /, '') ?? null
}

function isStream(request: RecordedRequest): boolean {
  try {
    return JSON.parse(new TextDecoder().decode(request.body)).stream === true
  } catch {
    return false
  }
}

const sse = (steps: ScriptStep[]) =>
  new Response(scriptedBody(steps), { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } })

export const fakeOpenAI: FakeHandler = (request) => {
  if (bearer(request) !== UPSTREAM_SECRET) {
    return unauthorized({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } })
  }
  if (request.path.endsWith('/embeddings')) return new Response(OPENAI_EMBEDDINGS_JSON, { headers: { 'content-type': 'application/json', 'x-request-id': 'req_up_1' } })
  if (request.path.endsWith('/chat/completions')) {
    if (isStream(request)) return sse(awkwardSteps(OPENAI_CHAT_SSE_EVENTS))
    return new Response(OPENAI_CHAT_JSON, { headers: { 'content-type': 'application/json', 'x-request-id': 'req_up_2' } })
  }
  if (request.path.endsWith('/models')) return Response.json({ object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model' }] })
  return Response.json({ error: { message: 'not found', type: 'invalid_request_error', param: null, code: null } }, { status: 404 })
}

export const fakeAnthropic: FakeHandler = (request) => {
  if (request.headers.get('x-api-key') !== UPSTREAM_SECRET || request.headers.has('authorization')) {
    return unauthorized({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } })
  }
  if (isStream(request)) return sse(awkwardSteps(ANTHROPIC_SSE_EVENTS))
  return new Response(ANTHROPIC_MESSAGE_JSON, { headers: { 'content-type': 'application/json', 'request-id': 'req_ant_1' } })
}

export const fakeDashScope: FakeHandler = (request) => {
  if (bearer(request) !== UPSTREAM_SECRET) return unauthorized({ code: 'InvalidApiKey', message: 'Invalid API-key provided.', request_id: 'x' })
  return sse(awkwardSteps(DASHSCOPE_NATIVE_SSE_EVENTS))
}

export const fakeGemini: FakeHandler = (request) => {
  if (request.headers.get('x-goog-api-key') !== UPSTREAM_SECRET || new URL(request.url).searchParams.has('key')) {
    return Response.json({ error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT' } }, { status: 400 })
  }
  return sse(awkwardSteps(GEMINI_SSE_EVENTS))
}

export const fakeBytePlus: FakeHandler = (request) => {
  if (bearer(request) !== UPSTREAM_SECRET) {
    return unauthorized({ error: { code: 'AuthenticationError', message: 'The API key is missing or invalid.', param: '', type: 'Unauthorized' } })
  }
  return new Response(BYTEPLUS_CHAT_JSON, { headers: { 'content-type': 'application/json' } })
}

/**
 * A provider's OpenAI-compatible endpoint: answers OPENAI_CHAT_JSON / OPENAI_CHAT_SSE_EVENTS (or the embeddings JSON)
 * only on `paths` and only with the real credential sent the way `auth` names (`bearer`, or the provider's own header);
 * anything else is a 404 or a 401, so a wrong path or credential fails the test that sent it.
 */
export function fakeOpenAICompatible(paths: readonly string[], auth: { header: string; prefix?: string } = { header: 'authorization', prefix: 'Bearer ' }): FakeHandler {
  const gatewayAuth = ['authorization', 'x-api-key', 'x-goog-api-key'].filter((name) => name !== auth.header)
  return (request) => {
    if (request.headers.get(auth.header) !== `${auth.prefix ?? ''}${UPSTREAM_SECRET}` || gatewayAuth.some((name) => request.headers.has(name))) {
      return unauthorized({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } })
    }
    if (!paths.includes(request.path)) return Response.json({ error: { message: `no route ${request.path}`, type: 'invalid_request_error', param: null, code: null } }, { status: 404 })
    if (request.path.endsWith('/embeddings')) return new Response(OPENAI_EMBEDDINGS_JSON, { headers: { 'content-type': 'application/json' } })
    if (isStream(request)) return sse(awkwardSteps(OPENAI_CHAT_SSE_EVENTS))
    return new Response(OPENAI_CHAT_JSON, { headers: { 'content-type': 'application/json', 'x-request-id': 'req_up_compat' } })
  }
}
