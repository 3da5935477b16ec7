// Bodies that are cheap to send and dear to parse are refused before any parse, in the route's error shape, on native and unified routes; real large bodies pass byte for byte.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { sha256, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { batchFile, chatWith, hostileValues, imageChat, largeChat, tokenEmbedding } from '../support/hostile-json.ts'
import { coreFor, type TestCore } from '../support/test-core.ts'

const MiB = 1024 * 1024

let openaiUp: FakeUpstream
let anthropicUp: FakeUpstream
let gw: TestCore
/** Allowed some models only: a request whose models cannot be read is refused for it. */
let limitedKey: string

beforeAll(async () => {
  openaiUp = startFakeUpstream(() => Response.json({ id: 'obj_1', object: 'ok' }))
  anthropicUp = startFakeUpstream(() => Response.json({ id: 'msg_1', type: 'message' }))
  gw = await coreFor({
    providers: { openai: { baseUrl: openaiUp.url, objectIsolation: false }, anthropic: { baseUrl: anthropicUp.url, objectIsolation: false } },
  })
  limitedKey = (await gw.createKey({ name: 'limited', models: ['openai/gpt-4o*', 'openai/text-embedding-3-small', 'anthropic/claude-sonnet-4*'] })).key
})

afterAll(async () => {
  await gw.stop()
  openaiUp.stop()
  anthropicUp.stop()
})

async function post(upstream: FakeUpstream, path: string, body: string | Uint8Array | FormData, key: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const before = upstream.requests.length
  const response = await gw.fetch(path, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'x-api-key': key, ...headers }, body })
  const json = (await response.json()) as Record<string, any>
  const forwarded = upstream.requests.slice(before)
  return { status: response.status, json, forwarded: forwarded.length, body: forwarded[0]?.body }
}

const hostile = Object.entries(hostileValues(2 * MiB))

describe('hostile JSON bodies are refused before they are parsed', () => {
  test('native OpenAI route: every shape is a 400 in OpenAI\'s shape, nothing forwarded', async () => {
    for (const [name, value] of hostile) {
      const result = await post(openaiUp, '/openai/v1/chat/completions', chatWith('gpt-4o-mini', value), gw.key)
      expect({ name, status: result.status, forwarded: result.forwarded }).toEqual({ name, status: 400, forwarded: 0 })
      expect(result.json.error.type).toBe('invalid_request_error')
      expect(result.json.error.code).toBe('body_unreadable')
      expect(result.json.error.message).toContain('more JSON values than the gateway reads')
    }
  })

  test('native Anthropic route: a 400 in Anthropic\'s shape', async () => {
    for (const [name, value] of hostile.slice(0, 3)) {
      const result = await post(anthropicUp, '/anthropic/v1/messages', chatWith('claude-sonnet-4-5', value), gw.key)
      expect({ name, status: result.status, forwarded: result.forwarded }).toEqual({ name, status: 400, forwarded: 0 })
      expect(result.json.type).toBe('error')
      expect(result.json.error.type).toBe('invalid_request_error')
    }
  })

  test('unified route: a 400 in OpenAI\'s shape, whichever provider the body names', async () => {
    for (const [name, value] of hostile) {
      const result = await post(openaiUp, '/v1/chat/completions', chatWith('openai/gpt-4o-mini', value), gw.key)
      expect({ name, status: result.status, forwarded: result.forwarded }).toEqual({ name, status: 400, forwarded: 0 })
      expect(result.json.error.code).toBe('body_unreadable')
    }
  })

  test('a 30 MiB hostile body is refused the same way', async () => {
    const result = await post(openaiUp, '/openai/v1/chat/completions', chatWith('gpt-4o-mini', hostileValues(30 * MiB)['empty arrays']!), gw.key)
    expect(result.status).toBe(400)
    expect(result.forwarded).toBe(0)
  })

  test('a route where the body may name a model: over the budget it is unknowable, so only a key allowed every model passes, byte for byte', async () => {
    const body = chatWith('gpt-4o-mini', hostileValues(MiB)['empty arrays']!)
    const refused = await post(openaiUp, '/openai/v1/threads/thread_1/messages', body, limitedKey)
    expect(refused.status).toBe(403)
    expect(refused.json.error.message).toContain('more JSON values than the gateway reads')
    expect(refused.forwarded).toBe(0)
    const passed = await post(openaiUp, '/openai/v1/threads/thread_1/messages', body, gw.key)
    expect(passed.status).toBe(200)
    expect(sha256(passed.body!)).toBe(sha256(new TextEncoder().encode(body)))
  })

  test('a batch input upload over the per-MiB budget is unknowable: refused for a limited key, passed for a key allowed every model', async () => {
    const lines = Array.from({ length: 3 }, () => chatWith('gpt-4o-mini', hostileValues(MiB)['empty arrays']!)).join('\n')
    const form = () => {
      const data = new FormData()
      data.set('purpose', 'batch')
      data.set('file', new File([lines], 'batch.jsonl', { type: 'application/jsonl' }))
      return data
    }
    const refused = await post(openaiUp, '/openai/v1/files', form(), limitedKey, {})
    expect(refused.status).toBe(403)
    expect(refused.json.error.message).toContain('more JSON values per MiB than the gateway parses')
    expect(refused.forwarded).toBe(0)
    const passed = await post(openaiUp, '/openai/v1/files', form(), gw.key, {})
    expect(passed.status).toBe(200)
    expect(passed.forwarded).toBe(1)
  })
})

describe('real large bodies pass byte for byte', () => {
  const cases: [string, string, string][] = [
    ['a 10k-message chat (native)', '/openai/v1/chat/completions', largeChat('gpt-4o-mini', 10_000)],
    ['a 10k-message chat (unified)', '/v1/chat/completions', largeChat('openai/gpt-4o-mini', 10_000)],
    ['a 24 MiB base64 image', '/openai/v1/chat/completions', imageChat('gpt-4o', 24 * MiB)],
    ['300k embedding token ids (native)', '/openai/v1/embeddings', tokenEmbedding('text-embedding-3-small', 2048, 146)],
  ]
  for (const [name, path, text] of cases) {
    test(name, async () => {
      const result = await post(openaiUp, path, text, limitedKey)
      expect(result.status).toBe(200)
      expect(result.forwarded).toBe(1)
      // The unified route cuts the provider prefix out of "model"; every other byte is the client's.
      const sent = path.startsWith('/v1/') ? text.replace('"model":"openai/', '"model":"') : text
      expect(sha256(result.body!)).toBe(sha256(new TextEncoder().encode(sent)))
    })
  }

  test('an Anthropic message batch of 20k requests (a list of requests: its budget is per MiB) passes; a hostile batch body does not', async () => {
    const requests = Array.from({ length: 20_000 }, (_, i) => ({ custom_id: `r${i}`, params: { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: `question ${i}` }] } }))
    const text = JSON.stringify({ requests })
    const passed = await post(anthropicUp, '/anthropic/v1/messages/batches', text, limitedKey)
    expect(passed.status).toBe(200)
    expect(sha256(passed.body!)).toBe(sha256(new TextEncoder().encode(text)))
    const hostileBatch = `{"requests":[{"custom_id":"a","params":{"model":"claude-sonnet-4-5"}}],"x":${hostileValues(2 * MiB)['empty arrays']}}`
    const refused = await post(anthropicUp, '/anthropic/v1/messages/batches', hostileBatch, limitedKey)
    expect([refused.status, refused.forwarded]).toEqual([400, 0])
    expect(refused.json.error.message).toContain('per MiB of a batch')
  })

  test('a 12 MiB batch input file: every line read, the upload passed byte for byte', async () => {
    const file = batchFile('gpt-4o-mini', 35_000)
    const data = new FormData()
    data.set('purpose', 'batch')
    data.set('file', new File([file], 'batch.jsonl', { type: 'application/jsonl' }))
    const result = await post(openaiUp, '/openai/v1/files', data, limitedKey, {})
    expect(result.status).toBe(200)
    expect(result.forwarded).toBe(1)
    expect(new TextDecoder().decode(result.body!)).toContain(file)
  })
})
