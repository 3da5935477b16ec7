// CORS for browser apps: off by default; when configured, preflights answered without a key, only on the provider routes.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ConfigError, corsOrigins } from '../../src/config.ts'
import { allowedRequestHeaders } from '../../src/proxy/cors.ts'
import { sha256, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { OPENAI_CHAT_JSON } from '../support/provider-fakes.ts'
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/test-gateway.ts'

const APP = 'https://app.example.com'
let upstream: FakeUpstream
beforeAll(() => {
  // An upstream with CORS headers of its own, for its own origin.
  upstream = startFakeUpstream(
    () =>
      new Response(OPENAI_CHAT_JSON, {
        headers: { 'content-type': 'application/json', 'access-control-allow-origin': 'https://platform.openai.com', 'x-ratelimit-remaining-requests': '99' },
      }),
  )
})
afterAll(() => upstream.stop())

const preflight = (gw: TestGateway, path: string, origin: string, requestHeaders = 'authorization, content-type') =>
  fetch(`${gw.url}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': requestHeaders },
  })

const chat = (gw: TestGateway, origin?: string) =>
  fetch(`${gw.url}/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json', ...(origin ? { origin } : {}) },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [] }),
  })

describe('SOCIARO_CORS_ORIGINS set to a list', () => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startTestGateway({ upstreams: { openai: upstream.url }, env: { SOCIARO_CORS_ORIGINS: `${APP}, http://localhost:5173` } })
  })
  afterAll(() => gw.stop())

  test('a preflight from an allowed origin is answered 204 without a key, and never reaches the upstream', async () => {
    const before = upstream.requests.length
    const response = await preflight(gw, '/openai/v1/chat/completions', APP, 'Authorization, Content-Type, x-stainless-os, openai-organization, x-evil')
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe(APP)
    expect(response.headers.get('access-control-allow-methods')).toContain('POST')
    expect(response.headers.get('access-control-allow-headers')).toBe('authorization, content-type, x-stainless-os, openai-organization')
    expect(Number(response.headers.get('access-control-max-age'))).toBeGreaterThan(0)
    expect(response.headers.get('vary')).toBe('Origin')
    expect(upstream.requests.length).toBe(before)
    // Anthropic's browser header too, on another provider's route.
    const anthropic = await preflight(gw, '/anthropic/v1/messages', 'http://localhost:5173', 'x-api-key, anthropic-version, anthropic-dangerous-direct-browser-access')
    expect(anthropic.status).toBe(204)
    expect(anthropic.headers.get('access-control-allow-origin')).toBe('http://localhost:5173')
    expect(anthropic.headers.get('access-control-allow-headers')).toBe('x-api-key, anthropic-version, anthropic-dangerous-direct-browser-access')
  })

  test('the unified endpoint is a provider route too: its preflight is answered, its answers (the gateway\'s own too) carry CORS headers', async () => {
    for (const path of ['/v1/chat/completions', '/v1/models', '/v1/me']) {
      const response = await preflight(gw, path, APP, 'Authorization, Content-Type')
      expect({ path, status: response.status, origin: response.headers.get('access-control-allow-origin') }).toEqual({ path, status: 204, origin: APP })
    }
    const me = await fetch(`${gw.url}/v1/me`, { headers: { origin: APP, authorization: `Bearer ${gw.key}` } })
    expect(me.status).toBe(200)
    expect(me.headers.get('access-control-allow-origin')).toBe(APP)
    expect(me.headers.get('access-control-expose-headers')).toContain('x-sociaro-request-id')
  })

  test('a preflight from another origin gets no CORS headers (the browser refuses the call)', async () => {
    const response = await preflight(gw, '/openai/v1/chat/completions', 'https://evil.example')
    expect(response.status).toBe(403)
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
  })

  test('an answer to an allowed origin: its origin, every header exposed, Vary: Origin, the upstream CORS headers replaced, the body unchanged', async () => {
    const response = await chat(gw, APP)
    expect(response.status).toBe(200)
    expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(OPENAI_CHAT_JSON))
    expect(response.headers.get('access-control-allow-origin')).toBe(APP)
    const exposed = response.headers.get('access-control-expose-headers')!.split(', ')
    expect(exposed).toContain('x-sociaro-request-id')
    expect(exposed).toContain('x-ratelimit-remaining-requests')
    expect(response.headers.get('vary')).toContain('Origin')
  })

  test('an answer to another origin, or to no browser at all: no allow-origin, and the upstream one is gone too', async () => {
    for (const origin of ['https://evil.example', undefined]) {
      const response = await chat(gw, origin)
      await response.arrayBuffer()
      expect(response.status).toBe(200)
      expect(response.headers.get('access-control-allow-origin')).toBeNull()
      expect(response.headers.get('vary')).toContain('Origin')
    }
  })

  test("the gateway's refusals carry CORS headers, so a browser app can read them", async () => {
    const response = await fetch(`${gw.url}/openai/v1/chat/completions`, { method: 'POST', headers: { origin: APP }, body: '{}' })
    expect(response.status).toBe(401)
    expect(response.headers.get('access-control-allow-origin')).toBe(APP)
  })

  test('not the admin API, health or metrics: no preflight answer, no CORS header', async () => {
    const adminPreflight = await preflight(gw, '/admin/v1/keys', APP)
    expect(adminPreflight.status).not.toBe(204)
    expect(adminPreflight.headers.get('access-control-allow-origin')).toBeNull()
    const admin = await fetch(`${gw.url}/admin/v1/orgs`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, origin: APP } })
    expect(admin.status).toBe(200)
    expect(admin.headers.get('access-control-allow-origin')).toBeNull()
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const response = await fetch(`${gw.url}${path}`, { headers: { origin: APP } })
      expect(response.headers.get('access-control-allow-origin')).toBeNull()
    }
    // An unknown provider is not a gateway route either: its preflight is not answered.
    expect((await preflight(gw, '/nosuch/v1/x', APP)).status).not.toBe(204)
  })
})

test('SOCIARO_CORS_ORIGINS=*: any origin, answered with *', async () => {
  const gw = await startTestGateway({ upstreams: { openai: upstream.url }, env: { SOCIARO_CORS_ORIGINS: '*' } })
  try {
    const response = await preflight(gw, '/openai/v1/chat/completions', 'https://anything.example')
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    const answer = await chat(gw, 'https://anything.example')
    await answer.arrayBuffer()
    expect(answer.headers.get('access-control-allow-origin')).toBe('*')
  } finally {
    await gw.stop()
  }
})

test('CORS off (the default): a preflight is a proxied request like any other, and the upstream CORS headers pass untouched', async () => {
  const gw = await startTestGateway({ upstreams: { openai: upstream.url } })
  try {
    const response = await preflight(gw, '/openai/v1/chat/completions', APP)
    expect(response.status).toBe(401)
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
    const answer = await chat(gw, APP)
    await answer.arrayBuffer()
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://platform.openai.com')
  } finally {
    await gw.stop()
  }
})

test('SOCIARO_CORS_ORIGINS accepts exact origins or * only', () => {
  expect(corsOrigins('https://a.example, http://localhost:3000')).toEqual(['https://a.example', 'http://localhost:3000'])
  expect(corsOrigins('*')).toEqual(['*'])
  expect(corsOrigins('')).toEqual([])
  for (const bad of ['https://a.example/', 'https://a.example/app', 'a.example', '*, https://a.example']) expect(() => corsOrigins(bad)).toThrow(ConfigError)
})

test('requested headers are echoed within reason: known names and prefixes, bounded, lower-cased', () => {
  expect(allowedRequestHeaders('X-Goog-Api-Key, content-type, cookie, x-stainless-retry-count, bad header')).toEqual(['x-goog-api-key', 'content-type', 'x-stainless-retry-count'])
  expect(allowedRequestHeaders(Array.from({ length: 500 }, () => 'authorization').join(','))).toHaveLength(64)
})
