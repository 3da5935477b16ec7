// Models named in the URL path are checked in every spelling, method and version, or the request is refused: the
// gateway checks the same canonical path it sends upstream. Routing and identity headers never reach the upstream.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { sha256, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { sendRaw, type RawResponse } from '../support/raw-http.ts'
import { startTestGateway, UPSTREAM_SECRET, type TestGateway } from '../support/test-gateway.ts'

/** Answers 200 with a small JSON body; the tests read what arrived from `requests`. */
const echo = () => startFakeUpstream((request) => Response.json({ method: request.method, path: request.path }))

let gemini: FakeUpstream
let mulerouter: FakeUpstream
let openai: FakeUpstream
let gw: TestGateway
let port: number
/** Allowed only gemini-2.5-flash* on Gemini and wan2.6-* on MuleRouter. */
let key: string

beforeAll(async () => {
  gemini = echo()
  mulerouter = echo()
  openai = echo()
  // Paths name provider objects (files/abc-123, task ids) no org created through the gateway: ownership is
  // test/objects' subject, so it is off here and the path checks are what is tested.
  gw = await startTestGateway({
    upstreams: { gemini: gemini.url, mulerouter: mulerouter.url, openai: openai.url },
    env: { SOCIARO_GEMINI_OBJECT_ISOLATION: 'off', SOCIARO_MULEROUTER_OBJECT_ISOLATION: 'off', SOCIARO_OPENAI_OBJECT_ISOLATION: 'off' },
  })
  port = Number(new URL(gw.url).port)
  key = (await gw.createKey({ name: 'flash-and-wan', models: ['gemini/gemini-2.5-flash*', 'mulerouter/wan2.6-*', 'openai/*'] })).key
})

afterAll(async () => {
  await gw?.stop()
  for (const upstream of [gemini, mulerouter, openai]) upstream?.stop()
})

const BODY = '{"contents":[{"parts":[{"text":"hi"}]}]}'

/** Sends the target exactly as written (fetch would normalize it), with the key the way each provider takes it. */
function send(method: string, target: string, extraHeaders = '', body = method === 'GET' ? '' : BODY): Promise<RawResponse> {
  const auth = target.startsWith('/gemini/') ? `x-goog-api-key: ${key}` : `Authorization: Bearer ${key}`
  const framing = body ? `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` : ''
  return sendRaw(port, `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${auth}\r\n${framing}${extraHeaders}Connection: close\r\n\r\n${body}`)
}

/** The request never reached the upstream: refused as unreadable (400) or checked and denied (403). */
async function expectStopped(upstream: FakeUpstream, method: string, target: string, expected: 400 | 403) {
  const before = upstream.requests.length
  const response = await send(method, target)
  const label = `${method} ${target} → ${response.status} ${response.body}`
  expect(response.status, label).toBe(expected)
  if (expected === 403) expect(response.body, label).toContain('may not use model')
  expect(upstream.requests.length, label).toBe(before)
  return JSON.parse(response.body) as Record<string, any>
}

describe('Gemini: every spelling of a models path has its model checked, or is refused', () => {
  const pro = 'gemini-2.5-pro'

  const checked: [string, string][] = [
    ['POST', `/gemini/v1beta/models/${pro}:generateContent`],
    ['POST', `/gemini/v1beta/models/${pro}:generateAnswer`],
    ['POST', `/gemini/v1beta/models/${pro}:asyncBatchEmbedContent`],
    ['POST', `/gemini/v1beta3/models/${pro}:generateContent`],
    ['POST', `/gemini/v1/models/${pro}:generateContent`],
    ['POST', `/gemini/v1alpha/models/${pro}:generateContent`],
    ['POST', `/gemini/v1beta/tunedModels/${pro}:generateContent`],
    ['PUT', `/gemini/v1beta/models/${pro}:generateContent`],
    ['PATCH', `/gemini/v1beta/models/${pro}:generateContent`],
    ['GET', `/gemini/v1beta/models/${pro}:generateContent`],
    ['POST', `/gemini/v1beta/%6Dodels/${pro}:generateContent`],
    ['POST', `/gemini/v1beta/m%6F%64%65%6C%73/${pro}:generateContent`],
    ['POST', `/gemini/%76%31beta/models/${pro}:generateContent`],
    ['POST', `/gemini/v1bet%61/models/${pro}:generateContent`],
    ['POST', `/gemini/v1beta/models/gemini-2.5-%70ro:generateContent`],
    ['POST', `/gemini/v1beta/models/${pro}:generate%43ontent`],
    // Model metadata and Veo operation polls name a model too.
    ['GET', `/gemini/v1beta/models/${pro}`],
    ['GET', `/gemini/v1beta/models/veo-3.0-generate-001/operations/abc123`],
  ]
  test.each(checked)('checked (403 model_not_allowed): %s %s', async (method, target) => {
    const body = await expectStopped(gemini, method, target, 403)
    expect(body.error.status).toBe('PERMISSION_DENIED')
    expect(body.error.code).toBe(403)
  })

  const refused: [string, string][] = [
    ['POST', `/gemini/v1beta//models/${pro}:generateContent`],
    ['POST', `/gemini/v1beta/models//${pro}:generateContent`],
    ['POST', `/gemini/v1beta/models/${pro}:generateContent/`],
    ['POST', `/gemini/v1beta/models/${pro}/`],
    ['POST', `/gemini/v1beta/models/${pro}:generateContent;x=1`],
    ['POST', `/gemini/v1beta/models/${pro};x=1:generateContent`],
    ['POST', `/gemini/v1beta/models/${pro}%3AgenerateContent`],
    ['POST', `/gemini/v1beta/models/${pro}%3agenerateContent`],
    ['POST', `/gemini/v1beta/Models/${pro}:generateContent`],
    ['POST', `/gemini/v1beta/MODELS/${pro}:generateContent`],
    ['POST', `/gemini/v1beta/models/${pro}:generateContent:x`],
    ['POST', `/gemini/v1beta/models/${pro}:GenerateContent`],
    ['POST', `/gemini/v1beta/models/${pro}:STREAMGENERATECONTENT`],
    ['POST', `/gemini/v1beta/models/:generateContent`],
    ['POST', `/gemini/v1beta/models/gemini-2.5-flash/models/${pro}:generateContent`],
    ['POST', `/gemini/upload/v1beta/models/${pro}:generateContent`],
    ['POST', `/gemini/v1beta/models/${pro}%40001:generateContent`],
    ['GET', `/gemini/v1beta/models/${pro}:generateContent;x=1`],
    ['PUT', `/gemini/v1beta/models/${pro}%3AgenerateContent`],
    // `..;` and double-encoded dots cannot climb from an allowed model to another.
    ['POST', `/gemini/v1beta/models/gemini-2.5-flash/..;/${pro}:generateContent`],
    ['POST', `/gemini/v1beta/models/gemini-2.5-flash/..;x/${pro}:generateContent`],
    ['POST', `/gemini/v1beta/models/gemini-2.5-flash/%252e%252e/${pro}:generateContent`],
    ['POST', `/gemini/v1beta/models/gemini-2.5-flash/%252E%252E/${pro}:generateContent`],
    ['POST', `/gemini/v1beta/models/gemini-2.5-flash/%25%32%65%25%32%65/${pro}:generateContent`],
  ]
  test.each(refused)('refused (400): %s %s', async (method, target) => {
    const body = await expectStopped(gemini, method, target, 400)
    expect(body.error.status).toBe('INVALID_ARGUMENT')
    expect(body.error.code).toBe(400)
  })

  test('allowed models pass with their exact target and body, and the upstream receives the canonical path', async () => {
    const cases: [string, string, string][] = [
      ['POST', '/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse'],
      ['POST', '/gemini/v1beta/models/gemini-2.5-flash-lite:countTokens', '/v1beta/models/gemini-2.5-flash-lite:countTokens'],
      ['POST', '/gemini/v1beta/%6Dodels/gemini-2.5-flash:generateContent', '/v1beta/models/gemini-2.5-flash:generateContent'],
      ['POST', '/gemini/%76%31beta/models/gemini-2.5-%66lash:generateContent', '/v1beta/models/gemini-2.5-flash:generateContent'],
      ['GET', '/gemini/v1beta/models/gemini-2.5-flash', '/v1beta/models/gemini-2.5-flash'],
      ['GET', '/gemini/v1beta/models?pageSize=5', '/v1beta/models?pageSize=5'],
      ['GET', '/gemini/v1beta/files/abc-123', '/v1beta/files/abc-123'],
    ]
    for (const [method, target, upstreamTarget] of cases) {
      const before = gemini.requests.length
      const response = await send(method, target)
      expect(response.status, target).toBe(200)
      expect(gemini.requests.length, target).toBe(before + 1)
      const request = gemini.requests.at(-1)!
      const url = new URL(request.url)
      expect(`${url.pathname}${url.search}`, target).toBe(upstreamTarget)
      expect(request.method).toBe(method)
      expect(request.headers.get('x-goog-api-key')).toBe(UPSTREAM_SECRET)
      if (method === 'POST') expect(sha256(request.body), target).toBe(sha256(BODY))
    }
  })
})

describe('MuleRouter: the model of a task path is checked in every spelling and method', () => {
  const checked: [string, string][] = [
    ['POST', '/mulerouter/vendors/google/v1/veo3/generation'],
    ['POST', '/mulerouter/vendors/google/%761/veo3/generation'],
    ['POST', '/mulerouter/%76endors/google/v1/veo3/generation'],
    ['POST', '/mulerouter/vendors/google/v1/ve%6F3/generation'],
    ['GET', '/mulerouter/vendors/google/v1/veo3/generation/123e4567-e89b'],
    ['PUT', '/mulerouter/vendors/google/v1/veo3/generation'],
    ['PATCH', '/mulerouter/vendors/google/v1/veo3/generation'],
    ['DELETE', '/mulerouter/vendors/google/v1/veo3/generation/123e4567-e89b'],
    ['POST', '/mulerouter/v1/veo3/generation'],
    ['GET', '/mulerouter/vendors/openai/v1/models/gpt-image-2'],
  ]
  test.each(checked)('checked (403): %s %s', (method, target) => expectStopped(mulerouter, method, target, 403).then(() => undefined))

  const refused: [string, string][] = [
    ['POST', '/mulerouter/vendors/google/v1//veo3/generation'],
    ['POST', '/mulerouter/vendors//google/v1/veo3/generation'],
    ['POST', '/mulerouter/vendors/google/v1/veo3/generation/'],
    ['POST', '/mulerouter/vendors/google/v1/veo3;x=1/generation'],
    ['POST', '/mulerouter/vendors/google/v1/wan2.6-t2v/..;/veo3/generation'],
    ['POST', '/mulerouter/vendors/google/v1/wan2.6-t2v/%252e%252e/veo3/generation'],
    ['POST', '/mulerouter/Vendors/google/v1/veo3/generation'],
    ['POST', '/mulerouter/vendors/google/V1/veo3/generation'],
    ['POST', '/mulerouter/vendors/google/v2/veo3/generation'],
    ['POST', '/mulerouter/vendors/google/v1/wan2.6-t2v%3Aveo3/generation'],
  ]
  test.each(refused)('refused (400): %s %s', (method, target) => expectStopped(mulerouter, method, target, 400).then(() => undefined))

  test('allowed tasks, their polls and the LLM endpoints pass, canonical and byte for byte', async () => {
    const chat = '{"model":"wan2.6-chat","messages":[]}'
    const cases: [string, string, string, string][] = [
      ['POST', '/mulerouter/vendors/alibaba/v1/wan2.6-t2v/generation', '/vendors/alibaba/v1/wan2.6-t2v/generation', '{"prompt":"a cat"}'],
      ['GET', '/mulerouter/vendors/alibaba/v1/wan2.6-t2v/generation/123e4567-e89b', '/vendors/alibaba/v1/wan2.6-t2v/generation/123e4567-e89b', ''],
      ['POST', '/mulerouter/%76endors/alibaba/%761/wan2.6-t2v/generation', '/vendors/alibaba/v1/wan2.6-t2v/generation', '{"prompt":"a dog"}'],
      ['POST', '/mulerouter/vendors/openai/v1/chat/completions', '/vendors/openai/v1/chat/completions', chat],
      ['GET', '/mulerouter/vendors/openai/v1/models', '/vendors/openai/v1/models', ''],
      ['GET', '/mulerouter/vendors/openai/v1/responses/resp_123', '/vendors/openai/v1/responses/resp_123', ''],
    ]
    for (const [method, target, upstreamPath, body] of cases) {
      const before = mulerouter.requests.length
      const response = await send(method, target, '', body)
      expect(response.status, `${target} ${response.body}`).toBe(200)
      expect(mulerouter.requests.length, target).toBe(before + 1)
      const request = mulerouter.requests.at(-1)!
      expect(request.path, target).toBe(upstreamPath)
      expect(request.method).toBe(method)
      expect(sha256(request.body), target).toBe(sha256(body))
    }
    // A model named in the body of a mirrored LLM endpoint is still checked.
    const before = mulerouter.requests.length
    const denied = await send('POST', '/mulerouter/vendors/openai/v1/responses/resp_1/cancel', '', '{"model":"gpt-5"}')
    expect(denied.status).toBe(403)
    expect(mulerouter.requests.length).toBe(before)
  })
})

describe('path escapes on any provider', () => {
  test('`..;` and double-encoded dots are refused with invalid_path', async () => {
    for (const target of ['/openai/v1/models/..;/..;/admin', '/openai/v1/..;x/files', '/openai/v1/models/%252e%252e/%252e%252e/x', '/openai/v1/%252E%252E/x']) {
      const before = openai.requests.length
      const response = await send('GET', target)
      expect(response.status, target).toBe(400)
      expect(JSON.parse(response.body).error.code, target).toBe('invalid_path')
      expect(openai.requests.length, target).toBe(before)
    }
  })

  test('reserved characters stay encoded (upper-cased), so the upstream sees the same path as the check', async () => {
    const response = await send('GET', '/openai/v1/models/ft%3agpt-4o-mini%3aorg%3A%3Aabc')
    expect(response.status).toBe(200)
    expect(new URL(openai.requests.at(-1)!.url).pathname).toBe('/v1/models/ft%3Agpt-4o-mini%3Aorg%3A%3Aabc')
  })
})

describe('routing and identity headers', () => {
  test('Forwarded, X-Original-URL, X-Rewrite-URL, method overrides, client-IP headers and Connection-named headers are dropped', async () => {
    const dropped = {
      forwarded: 'for=1.2.3.4;host=evil.example',
      'x-original-url': '/v1beta/models/gemini-2.5-pro:generateContent',
      'x-rewrite-url': '/v1beta/models/gemini-2.5-pro:generateContent',
      'x-http-method-override': 'DELETE',
      'x-http-method': 'DELETE',
      'x-method-override': 'DELETE',
      'x-real-ip': '1.2.3.4',
      'true-client-ip': '1.2.3.4',
      'cf-connecting-ip': '1.2.3.4',
      'x-client-ip': '1.2.3.4',
      'x-forwarded-for': '1.2.3.4',
      'x-hop-named': 'by connection',
    }
    const extra = Object.entries(dropped).map(([name, value]) => `${name}: ${value}\r\n`).join('') + 'x-kept: yes\r\n'
    const before = gemini.requests.length
    const target = '/gemini/v1beta/models/gemini-2.5-flash:generateContent'
    const body = BODY
    const response = await sendRaw(
      port,
      `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nx-goog-api-key: ${key}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n${extra}Connection: close, X-Hop-Named, not a token\r\n\r\n${body}`,
    )
    expect(response.status).toBe(200)
    expect(gemini.requests.length).toBe(before + 1)
    const headers = gemini.requests.at(-1)!.headers
    for (const name of Object.keys(dropped)) expect(headers.has(name), name).toBe(false)
    expect(headers.get('x-kept')).toBe('yes')
    expect(headers.get('content-type')).toBe('application/json')
    expect(headers.get('x-goog-api-key')).toBe(UPSTREAM_SECRET)
  })
})
