// Every model a request can cause to run is checked against the key's allowlist before anything is forwarded:
// batches, batch input files, realtime secrets, eval and thread runs, fallback lists, multipart forms, and name length.
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import OpenAI, { toFile } from 'openai'
import { sha256, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { coreFor, GATEWAY_ORIGIN, type TestCore } from '../support/test-core.ts'
import { caught } from '../support/caught.ts'

/** Answers anything with a small JSON object, so SDK calls that get through resolve. */
const answerAnything = () => startFakeUpstream(() => Response.json({ id: 'obj_1', object: 'ok' }))

let openaiUp: FakeUpstream
let anthropicUp: FakeUpstream
let openrouterUp: FakeUpstream
let gw: TestCore
/** Allowed `openai/gpt-4o*`, `anthropic/claude-sonnet-4*`, `openrouter/openai/gpt-4o*`. */
let limitedKey: string

beforeAll(async () => {
  openaiUp = answerAnything()
  anthropicUp = answerAnything()
  openrouterUp = answerAnything()
  // These tests name provider objects (file-abc, asst_1) no org created through the gateway: ownership is
  // test/objects' subject, so it is off here and the model checks are what is tested.
  // In process: the allowlist is the pipeline's, and the SDKs are given the core's fetch.
  gw = await coreFor({
    // Gemini shares the OpenAI fake: only its path-model refusal is tested, which never reaches an upstream.
    providers: {
      openai: { baseUrl: openaiUp.url, objectIsolation: false },
      anthropic: { baseUrl: anthropicUp.url, objectIsolation: false },
      openrouter: { baseUrl: openrouterUp.url, objectIsolation: false },
      gemini: openaiUp.url,
    },
  })
  limitedKey = (await gw.createKey({ name: 'limited', models: ['openai/gpt-4o*', 'anthropic/claude-sonnet-4*', 'openrouter/openai/gpt-4o*'] })).key
})

afterAll(async () => {
  await gw.stop()
  for (const upstream of [openaiUp, anthropicUp, openrouterUp]) upstream.stop()
})

const openai = (key = limitedKey) => new OpenAI({ apiKey: key, baseURL: `${GATEWAY_ORIGIN}/openai/v1`, fetch: gw.fetch, maxRetries: 0 })
const anthropic = (key = limitedKey) => new Anthropic({ apiKey: key, baseURL: `${GATEWAY_ORIGIN}/anthropic`, fetch: gw.fetch, maxRetries: 0 })

/** A raw POST through the gateway; returns the status, the parsed body and whether the upstream saw it byte for byte. */
async function post(upstream: FakeUpstream, path: string, body: string | Uint8Array, contentType = 'application/json', key = limitedKey) {
  const before = upstream.requests.length
  const response = await gw.fetch(path, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': contentType }, body })
  const text = await response.text()
  const forwarded = upstream.requests.slice(before)
  return {
    status: response.status,
    json: JSON.parse(text),
    forwarded: forwarded.length,
    sameBytes: forwarded.length === 1 && sha256(forwarded[0]!.body) === sha256(body),
  }
}

describe('Anthropic Message Batches', () => {
  const batch = (models: string[]) => ({
    requests: models.map((model, i) => ({ custom_id: `r${i}`, params: { model, max_tokens: 16, messages: [{ role: 'user' as const, content: 'hi' }] } })),
  })

  test('a batch naming a disallowed model in requests[].params.model is refused before the upstream', async () => {
    const before = anthropicUp.requests.length
    const err = await caught(anthropic().messages.batches.create(batch(['claude-sonnet-4-5', 'claude-opus-4-1'])))
    expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError)
    expect(err.message).toContain('claude-opus-4-1')
    expect(anthropicUp.requests.length).toBe(before)
  })

  test('a batch of allowed models passes byte for byte; a request without params.model is unreadable', async () => {
    const ok = await post(anthropicUp, '/anthropic/v1/messages/batches', JSON.stringify(batch(['claude-sonnet-4-5', 'claude-sonnet-4-0'])))
    expect(ok.status).toBe(200)
    expect(ok.sameBytes).toBe(true)
    const missing = await post(anthropicUp, '/anthropic/v1/messages/batches', JSON.stringify({ requests: [{ custom_id: 'a', params: { max_tokens: 1, messages: [] } }] }))
    expect(missing.status).toBe(400)
    expect(missing.json.error.type).toBe('invalid_request_error')
    expect(missing.forwarded).toBe(0)
  })
})

describe('OpenAI batch input files and batches', () => {
  const jsonl = (models: string[]) =>
    models.map((model, i) => JSON.stringify({ custom_id: `r${i}`, method: 'POST', url: '/v1/chat/completions', body: { model, messages: [{ role: 'user', content: 'hi' }] } })).join('\n') + '\n'

  test('an upload with purpose=batch whose lines name o1-pro is refused; one of allowed models passes', async () => {
    const before = openaiUp.requests.length
    const err = await caught(openai().files.create({ file: await toFile(Buffer.from(jsonl(['gpt-4o-mini', 'o1-pro'])), 'batch.jsonl'), purpose: 'batch' }))
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError)
    expect(err.message).toContain('o1-pro')
    expect(openaiUp.requests.length).toBe(before)

    const uploaded = await openai().files.create({ file: await toFile(Buffer.from(jsonl(['gpt-4o-mini', 'gpt-4o'])), 'batch.jsonl'), purpose: 'batch' })
    expect(uploaded.id).toBe('obj_1')
    expect(openaiUp.requests.length).toBe(before + 1)
  })

  test('a key allowed every model uploads any batch file unread, byte for byte', async () => {
    const form = new FormData()
    form.set('purpose', 'batch')
    form.set('file', new File([jsonl(['o1-pro']) + 'not json\n'], 'batch.jsonl'))
    const request = new Request('http://x', { method: 'POST', body: form })
    // Read before the body: Bun's Request forgets the generated multipart Content-Type once the body is consumed.
    const contentType = request.headers.get('content-type')!
    expect(contentType).toStartWith('multipart/form-data; boundary=')
    const body = new Uint8Array(await request.arrayBuffer())
    const result = await post(openaiUp, '/openai/v1/files', body, contentType, gw.key)
    expect(result.status).toBe(200)
    expect(result.sameBytes).toBe(true)
  })

  test('a batch input line the gateway cannot read is refused for a limited key', async () => {
    const err = await caught(openai().files.create({ file: await toFile(Buffer.from(`${jsonl(['gpt-4o'])}{"custom_id": "x", "body": {}}\n`), 'b.jsonl'), purpose: 'batch' }))
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError)
    expect(err.message).toContain('line 2')
  })

  test('other uploads are not read as batch files', async () => {
    const uploaded = await openai().files.create({ file: await toFile(Buffer.from('{"not": "a batch"}\n'), 'notes.jsonl'), purpose: 'user_data' })
    expect(uploaded.id).toBe('obj_1')
  })

  test('a limited key may not create a batch (its input file runs unseen models); a key allowed every model may', async () => {
    const before = openaiUp.requests.length
    const err = await caught(openai().batches.create({ input_file_id: 'file-abc', endpoint: '/v1/chat/completions', completion_window: '24h' }))
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError)
    expect(err.message).toContain('input file')
    expect(openaiUp.requests.length).toBe(before)
    const body = JSON.stringify({ input_file_id: 'file-abc', endpoint: '/v1/chat/completions', completion_window: '24h' })
    const open = await post(openaiUp, '/openai/v1/batches', body, 'application/json', gw.key)
    expect(open.status).toBe(200)
    expect(open.sameBytes).toBe(true)
  })
})

describe('other OpenAI endpoints that run a model named elsewhere', () => {
  test('realtime client secrets check session.model; without one the default would run', async () => {
    const denied = await post(openaiUp, '/openai/v1/realtime/client_secrets', JSON.stringify({ session: { type: 'realtime', model: 'gpt-realtime' } }))
    expect(denied.status).toBe(403)
    expect(denied.json.error.message).toContain('gpt-realtime')
    expect(denied.forwarded).toBe(0)
    const noModel = await post(openaiUp, '/openai/v1/realtime/client_secrets', JSON.stringify({ session: { type: 'realtime' } }))
    expect(noModel.status).toBe(403)
    expect(noModel.forwarded).toBe(0)
    const body = JSON.stringify({ session: { type: 'realtime', model: 'gpt-4o-realtime-preview' } })
    const allowed = await post(openaiUp, '/openai/v1/realtime/client_secrets', body)
    expect(allowed.status).toBe(200)
    expect(allowed.sameBytes).toBe(true)
  })

  test('eval runs: a disallowed data_source.model is named; any eval run is refused for a limited key (graders are unseen)', async () => {
    const run = (model: string) => JSON.stringify({ name: 'r', data_source: { type: 'completions', model, source: { type: 'file_id', id: 'file-1' } } })
    const denied = await post(openaiUp, '/openai/v1/evals/eval_1/runs', run('o1-pro'))
    expect(denied.status).toBe(403)
    expect(denied.json.error.message).toContain('o1-pro')
    const graders = await post(openaiUp, '/openai/v1/evals/eval_1/runs', run('gpt-4o'))
    expect(graders.status).toBe(403)
    expect(graders.json.error.message).toContain('eval')
    expect(denied.forwarded + graders.forwarded).toBe(0)
    const open = await post(openaiUp, '/openai/v1/evals/eval_1/runs', run('o1-pro'), 'application/json', gw.key)
    expect(open.status).toBe(200)
    expect(open.sameBytes).toBe(true)
  })

  test('thread runs use the stored assistant unless "model" overrides it', async () => {
    for (const path of ['/openai/v1/threads/runs', '/openai/v1/threads/thread_1/runs']) {
      const stored = await post(openaiUp, path, JSON.stringify({ assistant_id: 'asst_1' }))
      expect(stored.status).toBe(403)
      expect(stored.json.error.message).toContain('assistant')
      const denied = await post(openaiUp, path, JSON.stringify({ assistant_id: 'asst_1', model: 'o1-pro' }))
      expect(denied.status).toBe(403)
      expect(stored.forwarded + denied.forwarded).toBe(0)
      const body = JSON.stringify({ assistant_id: 'asst_1', model: 'gpt-4o' })
      const allowed = await post(openaiUp, path, body)
      expect(allowed.status).toBe(200)
      expect(allowed.sameBytes).toBe(true)
    }
  })

  test('a Responses image_generation tool names its own model', async () => {
    const body = (model: string) => JSON.stringify({ model: 'gpt-4o', input: 'draw', tools: [{ type: 'image_generation', model }] })
    const denied = await post(openaiUp, '/openai/v1/responses', body('gpt-image-1'))
    expect(denied.status).toBe(403)
    expect(denied.forwarded).toBe(0)
    const stored = await post(openaiUp, '/openai/v1/responses', JSON.stringify({ prompt: { id: 'pmpt_1' }, input: 'x' }))
    expect(stored.status).toBe(403)
  })
})

describe('OpenRouter fallback models', () => {
  test('a disallowed model in `models` beside an allowed `model` is refused; allowed fallbacks pass', async () => {
    const body = (models: string[]) => JSON.stringify({ model: 'openai/gpt-4o', models, messages: [{ role: 'user', content: 'hi' }] })
    const denied = await post(openrouterUp, '/openrouter/api/v1/chat/completions', body(['openai/gpt-4o', 'anthropic/claude-opus-4.1']))
    expect(denied.status).toBe(403)
    expect(denied.json.error.message).toContain('anthropic/claude-opus-4.1')
    expect(denied.forwarded).toBe(0)
    const allowed = await post(openrouterUp, '/openrouter/api/v1/chat/completions', body(['openai/gpt-4o-mini']))
    expect(allowed.status).toBe(200)
    expect(allowed.sameBytes).toBe(true)
  })
})

describe('multipart model fields', () => {
  const form = (parts: string[], boundary = 'b0undary') => parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('') + `--${boundary}--\r\n`
  const field = (disposition: string, value: string) => `Content-Disposition: form-data; ${disposition}\r\n\r\n${value}`

  test('the finding: an unquoted name=model part before a quoted one is refused (two model fields), not read as the second', async () => {
    const body = form([field('name=model', 'whisper-1'), field('name="model"', 'gpt-4o-transcribe'), field('name="file"; filename="a.wav"', 'RIFF')])
    const result = await post(openaiUp, '/openai/v1/audio/transcriptions', body, 'multipart/form-data; boundary=b0undary')
    expect(result.status).toBe(400)
    expect(result.json.error.message).toContain('"model" fields')
    expect(result.forwarded).toBe(0)
  })

  test('an unquoted model the strict parser reads is checked like a quoted one', async () => {
    const body = form([field('name=model', 'whisper-1'), field('name="file"; filename="a.wav"', 'RIFF')])
    const result = await post(openaiUp, '/openai/v1/audio/transcriptions', body, 'multipart/form-data; boundary=b0undary')
    expect(result.status).toBe(403)
    expect(result.json.error.message).toContain('whisper-1')
  })

  test('a boundary found mid-line, or an "xboundary=" parameter, is not a delimiter: refused', async () => {
    const midLine = `--b0undary\r\n${field('name="prompt"', 'x')}--b0undary\r\n${field('name="model"', 'gpt-4o-transcribe')}\r\n--b0undary--`
    const a = await post(openaiUp, '/openai/v1/audio/transcriptions', midLine, 'multipart/form-data; boundary=b0undary')
    expect(a.status).toBe(400)
    const b = await post(openaiUp, '/openai/v1/audio/transcriptions', form([field('name="model"', 'gpt-4o-transcribe')]), 'multipart/form-data; xboundary=b0undary')
    expect(b.status).toBe(400)
    expect(a.forwarded + b.forwarded).toBe(0)
  })

  test('an upper-case multipart Content-Type is still read (and an allowed model passes byte for byte)', async () => {
    const denied = await post(openaiUp, '/openai/v1/audio/transcriptions', form([field('name="model"', 'whisper-1')]), 'MULTIPART/FORM-DATA; BOUNDARY=b0undary')
    expect(denied.status).toBe(403)
    const body = form([field('name="model"', 'gpt-4o-transcribe'), field('name="file"; filename="a.wav"', 'RIFF\r\n--b0und')])
    const allowed = await post(openaiUp, '/openai/v1/audio/transcriptions', body, 'multipart/form-data; boundary=b0undary')
    expect(allowed.status).toBe(200)
    expect(allowed.sameBytes).toBe(true)
  })
})

describe('model name length', () => {
  test('a model name over 256 bytes is refused with 400 before anything uses it; 256 bytes is accepted', async () => {
    const huge = 'g'.repeat(8 * 1024 * 1024)
    for (const key of [limitedKey, gw.key]) {
      const json = await post(openaiUp, '/openai/v1/chat/completions', JSON.stringify({ model: huge, messages: [] }), 'application/json', key)
      expect(json.status).toBe(400)
      expect(json.json.error.message).toContain('256 bytes')
      expect(json.forwarded).toBe(0)
    }
    const multipart = await post(
      openaiUp,
      '/openai/v1/audio/transcriptions',
      `--b\r\nContent-Disposition: form-data; name="model"\r\n\r\n${huge}\r\n--b--`,
      'multipart/form-data; boundary=b',
      gw.key,
    )
    expect(multipart.status).toBe(400)
    const nested = await post(anthropicUp, '/anthropic/v1/messages/batches', JSON.stringify({ requests: [{ custom_id: 'a', params: { model: 'c'.repeat(257) } }] }), 'application/json', gw.key)
    expect(nested.status).toBe(400)
    const path = await gw.fetch(`/gemini/v1beta/models/${'m'.repeat(300)}:generateContent`, { method: 'POST', headers: { 'x-goog-api-key': gw.key }, body: '{}' })
    expect(path.status).toBe(400)
    await path.arrayBuffer()
    expect(multipart.forwarded + nested.forwarded).toBe(0)

    const edge = await post(openaiUp, '/openai/v1/chat/completions', JSON.stringify({ model: 'é'.repeat(128), messages: [] }), 'application/json', gw.key)
    expect(edge.status).toBe(200)
    const over = await post(openaiUp, '/openai/v1/chat/completions', JSON.stringify({ model: `${'é'.repeat(128)}x`, messages: [] }), 'application/json', gw.key)
    expect(over.status).toBe(400)
  })
})
