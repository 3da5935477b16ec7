// DashScope native SSE, Gemini (model in path, x-goog-api-key or ?key=) and BytePlus through the gateway, compared by hash.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { sha256, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import {
  BYTEPLUS_CHAT_JSON,
  DASHSCOPE_NATIVE_SSE_EVENTS,
  fakeBytePlus,
  fakeDashScope,
  fakeGemini,
  GEMINI_SSE_EVENTS,
} from '../support/provider-fakes.ts'
import { startTestGateway, UPSTREAM_SECRET, type TestGateway } from '../support/test-gateway.ts'

let dashscope: FakeUpstream
let gemini: FakeUpstream
let byteplus: FakeUpstream
let gw: TestGateway

beforeAll(async () => {
  dashscope = startFakeUpstream(fakeDashScope)
  gemini = startFakeUpstream(fakeGemini)
  byteplus = startFakeUpstream(fakeBytePlus)
  gw = await startTestGateway({ upstreams: { dashscope: dashscope.url, gemini: gemini.url, byteplus: byteplus.url } })
})

afterAll(async () => {
  await gw.stop()
  for (const upstream of [dashscope, gemini, byteplus]) upstream.stop()
})

const bytesOf = async (response: Response) => new Uint8Array(await response.arrayBuffer())

test('DashScope native SSE (data: without a space, :HTTP_STATUS comments) passes byte for byte', async () => {
  const body = JSON.stringify({ model: 'qwen-plus', input: { messages: [{ role: 'user', content: '你好' }] }, parameters: { incremental_output: true } })
  const response = await fetch(`${gw.url}/dashscope/api/v1/services/aigc/text-generation/generation`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json', 'x-dashscope-sse': 'enable', 'x-dashscope-workspace': 'ws-caller' },
    body,
  })
  expect(response.status).toBe(200)
  expect(sha256(await bytesOf(response))).toBe(sha256(DASHSCOPE_NATIVE_SSE_EVENTS.join('')))
  const seen = dashscope.requests.at(-1)!
  expect(seen.path).toBe('/api/v1/services/aigc/text-generation/generation')
  expect(seen.headers.get('x-dashscope-sse')).toBe('enable')
  expect(seen.headers.has('x-dashscope-workspace')).toBe(false)
  expect(sha256(seen.body)).toBe(sha256(body))
})

test('the "alibaba" alias reaches DashScope, and native errors use the DashScope shape', async () => {
  const response = await fetch(`${gw.url}/alibaba/api/v1/services/aigc/text-generation/generation`, {
    method: 'POST',
    headers: { authorization: 'Bearer gw_live_not-a-real-key-not-a-real-key-xxxxx', 'content-type': 'application/json' },
    body: '{"model":"qwen-plus"}',
  })
  expect(response.status).toBe(401)
  const body = (await response.json()) as { code: string; message: string; request_id: string }
  expect(body.code).toBe('InvalidApiKey')
  expect(body.request_id).toMatch(/^req_/)
})

test('Gemini: model in the path, gateway key in x-goog-api-key, stream passes byte for byte', async () => {
  const response = await fetch(`${gw.url}/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
    method: 'POST',
    headers: { 'x-goog-api-key': gw.key, 'content-type': 'application/json' },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
  })
  expect(response.status).toBe(200)
  expect(sha256(await bytesOf(response))).toBe(sha256(GEMINI_SSE_EVENTS.join('')))
  const seen = gemini.requests.at(-1)!
  expect(seen.headers.get('x-goog-api-key')).toBe(UPSTREAM_SECRET)
  expect(new URL(seen.url).search).toBe('?alt=sse')
})

test('Gemini: a gateway key in ?key= is accepted and removed from the forwarded query', async () => {
  const response = await fetch(`${gw.url}/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=${gw.key}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
  })
  expect(response.status).toBe(200)
  await response.arrayBuffer()
  const seen = gemini.requests.at(-1)!
  expect(seen.url).not.toContain(gw.key)
  expect(new URL(seen.url).search).toBe('?alt=sse')
})

test('Gemini: the model allowlist applies to the model in the path', async () => {
  const { key } = await gw.createKey({ models: ['gemini/gemini-2.5-flash*'] })
  const denied = await fetch(`${gw.url}/gemini/v1beta/models/gemini-2.5-pro:generateContent`, {
    method: 'POST',
    headers: { 'x-goog-api-key': key, 'content-type': 'application/json' },
    body: '{}',
  })
  expect(denied.status).toBe(403)
  expect(((await denied.json()) as { error: { status: string } }).error.status).toBe('PERMISSION_DENIED')
  const allowed = await fetch(`${gw.url}/gemini/v1beta/models/gemini-2.5-flash-lite:streamGenerateContent?alt=sse`, {
    method: 'POST',
    headers: { 'x-goog-api-key': key, 'content-type': 'application/json' },
    body: '{}',
  })
  expect(allowed.status).toBe(200)
  await allowed.arrayBuffer()
})

test('BytePlus chat completion passes byte for byte with the real credential', async () => {
  const response = await fetch(`${gw.url}/byteplus/api/v3/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'seed-1-6-250915', messages: [{ role: 'user', content: 'hi' }] }),
  })
  expect(response.status).toBe(200)
  expect(sha256(await bytesOf(response))).toBe(sha256(BYTEPLUS_CHAT_JSON))
  expect(byteplus.requests.at(-1)!.headers.get('authorization')).toBe(`Bearer ${UPSTREAM_SECRET}`)
})

test('BytePlus gateway errors use the BytePlus envelope', async () => {
  const response = await fetch(`${gw.url}/byteplus/api/v3/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [] }),
  })
  expect(response.status).toBe(400)
  const body = (await response.json()) as { error: { code: string; type: string; message: string } }
  expect(body.error.type).toBe('BadRequest')
  expect(body.error.message).toContain('Request ID: req_')
})
