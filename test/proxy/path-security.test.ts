// Path tricks never reach another host: the upstream origin is fixed, whatever the request target, Host or X-Forwarded-Host say.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { sendRaw, type RawResponse } from '../support/raw-http.ts'
import { startTestGateway, UPSTREAM_SECRET, type TestGateway } from '../support/test-gateway.ts'

/** What a raw upstream saw: the request line exactly as sent, not a URL re-parsed (and normalized) by a server. */
interface RawRequest {
  readonly method: string
  readonly target: string
  readonly version: string
  readonly head: string
  readonly headers: [string, string][]
}

interface RawUpstream {
  readonly url: string
  readonly hostPort: string
  readonly requests: RawRequest[]
  /** TCP connections accepted, whether or not a full request arrived. */
  connections: number
  stop(): void
}

/** A TCP server that records each HTTP/1.1 request line and headers, and answers 200 JSON naming itself. */
function startRawUpstream(name: string): RawUpstream {
  const requests: RawRequest[] = []
  const state = { connections: 0 }
  const server = Bun.listen<{ buffer: Buffer }>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(socket) {
        state.connections++
        socket.data = { buffer: Buffer.alloc(0) }
      },
      data(socket, chunk) {
        socket.data.buffer = Buffer.concat([socket.data.buffer, chunk])
        const buffer = socket.data.buffer
        const headEnd = buffer.indexOf('\r\n\r\n')
        if (headEnd < 0) return
        const head = buffer.toString('latin1', 0, headEnd)
        const [requestLine = '', ...lines] = head.split('\r\n')
        const headers = lines.map((line): [string, string] => {
          const colon = line.indexOf(':')
          return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]
        })
        const length = Number(headers.find(([n]) => n === 'content-length')?.[1] ?? 0)
        const chunked = headers.some(([n, v]) => n === 'transfer-encoding' && /chunked/i.test(v))
        const rest = buffer.subarray(headEnd + 4)
        if (chunked ? rest.indexOf('0\r\n\r\n') < 0 : rest.length < length) return
        const [method = '', target = '', version = ''] = requestLine.split(' ')
        requests.push({ method, target, version, head, headers })
        const body = JSON.stringify({ from: name, target })
        socket.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-upstream: ${name}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`)
      },
    },
  })
  const hostPort = `127.0.0.1:${server.port}`
  return {
    url: `http://${hostPort}`,
    hostPort,
    requests,
    get connections() {
      return state.connections
    },
    stop: () => server.stop(true),
  }
}

let upstreamA: RawUpstream
let anthropicUpstream: RawUpstream
let geminiUpstream: RawUpstream
let attacker: RawUpstream
let gw: TestGateway
let gwPort: number
const allowed = () => [upstreamA, anthropicUpstream, geminiUpstream]

beforeAll(async () => {
  upstreamA = startRawUpstream('A')
  anthropicUpstream = startRawUpstream('anthropic')
  geminiUpstream = startRawUpstream('gemini')
  attacker = startRawUpstream('B')
  gw = await startTestGateway({ upstreams: { openai: upstreamA.url, anthropic: anthropicUpstream.url, gemini: geminiUpstream.url } })
  gwPort = Number(new URL(gw.url).port)
})

afterAll(async () => {
  await gw?.stop()
  for (const upstream of [upstreamA, anthropicUpstream, geminiUpstream, attacker]) upstream?.stop()
})

const get = (target: string, extraHeaders = '', host = `127.0.0.1:${gwPort}`) =>
  `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${gw.key}\r\n${extraHeaders}Connection: close\r\n\r\n`

/**
 * A response is acceptable when an allowed upstream answered it, the gateway refused with 400/404, or (a target that
 * normalizes to /v1/models) the unified endpoint's own model list answered it, which goes to no upstream at all.
 */
function expectSafe(response: RawResponse, label: string) {
  expect(response.status, label).toBeGreaterThanOrEqual(200)
  expect(response.status, label).toBeLessThan(500)
  if (response.status === 200) {
    const body = JSON.parse(response.body) as { from?: string; object?: string; data?: { id: string; owned_by: string }[] }
    if (body.from === undefined && body.object === 'list') {
      expect(body.data!.length, label).toBeGreaterThan(0)
      for (const model of body.data!) expect(model.id.startsWith(`${model.owned_by}/`), label).toBe(true)
    } else expect(['A', 'anthropic', 'gemini'], label).toContain(body.from ?? '')
  } else {
    expect([400, 404], label).toContain(response.status)
  }
}

function expectAllowedUpstreamsClean() {
  expect(attacker.connections).toBe(0)
  expect(attacker.requests).toHaveLength(0)
  for (const upstream of allowed()) {
    for (const request of upstream.requests) {
      const label = `${upstream.hostPort} got ${request.method} ${request.target}`
      expect(request.target.startsWith('/'), label).toBe(true)
      // Origin-form only: never absolute-form, never a network-path reference ("//host/...").
      expect(request.target.startsWith('//'), label).toBe(false)
      expect(request.target, label).not.toContain(gw.key)
      expect(request.head, label).not.toContain(gw.key)
      const hosts = request.headers.filter(([name]) => name === 'host').map(([, value]) => value)
      expect(hosts, label).toEqual([upstream.hostPort])
      for (const [name, value] of request.headers) {
        expect(value, `${label}: header ${name}`).not.toContain(gw.key)
        expect(name.startsWith('x-forwarded-'), `${label}: header ${name}`).toBe(false)
      }
    }
  }
}

describe('path tricks', () => {
  const TARGETS = () => {
    const b = attacker.hostPort
    return [
      '/openai/../anthropic/v1/messages',
      '/openai/%2e%2e/%2e%2e/v1/models',
      '/openai/%2E%2E/v1/models',
      '/openai/.%2e/.%2e/v1/models',
      `/openai//${b}/v1/models`,
      `/openai///${b}/v1/models`,
      `/openai/@${b}/v1/models`,
      `/openai/v1/models\\..\\..\\x`,
      `/openai/\\\\${b}/v1/models`,
      '/openai/v1%2f..%2f..%2fmodels',
      '/openai/v1%2F..%2F..%2Fmodels',
      '/openai/v1/%5c%5cevil',
      `/openai/v1/%5C%5C${b}/x`,
      '/openai/v1/%2e%2e%5c%2e%2e%5cmodels',
      '/openai/v1/models%00.json',
      `/openai/%2f%2f${b}/v1/models`,
      '/openai/v1/models/%252e%252e/%252e%252e/x',
      `/openai:${b}/v1/models`,
      `/openai@${b}/v1/models`,
      `/openai/v1/models?redirect=http://${b}/`,
      `http://${b}/openai/v1/models`,
      `http://${b}//openai/v1/models`,
      `//${b}/openai/v1/models`,
    ]
  }

  test('raw targets reach only the configured upstream, or are refused with 400/404', async () => {
    for (const target of TARGETS()) {
      const response = await sendRaw(gwPort, get(target))
      expectSafe(response, target)
      if (response.status >= 400) {
        expect(response.body, target).not.toContain(UPSTREAM_SECRET)
      }
    }
    expectAllowedUpstreamsClean()
  })

  test('the same targets through fetch (normalized by the client) are safe too', async () => {
    for (const target of TARGETS().filter((t) => t.startsWith('/') && !t.startsWith('//'))) {
      const response = await fetch(`${gw.url}${target}`, { headers: { authorization: `Bearer ${gw.key}` } })
      const body = await response.text()
      expectSafe({ status: response.status, head: '', headers: new Map(), body }, `fetch ${target}`)
    }
    expectAllowedUpstreamsClean()
  })

  test('a path starting with "//" stays a path on the configured host', async () => {
    const before = upstreamA.requests.length
    const response = await sendRaw(gwPort, get(`/openai//${attacker.hostPort}/v1/models`))
    expectSafe(response, '//host')
    if (response.status === 200) {
      const request = upstreamA.requests.at(-1)!
      expect(upstreamA.requests.length).toBe(before + 1)
      expect(request.target.startsWith('/')).toBe(true)
    }
    expect(attacker.connections).toBe(0)
  })

  test('Host and X-Forwarded-Host pointing at the attacker change nothing', async () => {
    const b = attacker.hostPort
    const hosts = [b, `${b}/gemini`, `evil@${b}`, `${b}:80`, 'attacker.invalid']
    for (const host of hosts) {
      const response = await sendRaw(gwPort, get('/openai/v1/models', '', host))
      expectSafe(response, `Host: ${host}`)
    }
    for (const extra of [`X-Forwarded-Host: ${b}\r\n`, `X-Forwarded-Host: ${b}\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Port: ${b.split(':')[1]}\r\n`, `Forwarded: host=${b}\r\n`, `X-Original-URL: http://${b}/v1/models\r\nX-Rewrite-URL: http://${b}/v1/models\r\n`]) {
      const response = await sendRaw(gwPort, get('/openai/v1/models', extra))
      expect(response.status, extra).toBe(200)
      expect(JSON.parse(response.body).from).toBe('A')
    }
    const viaFetch = await fetch(`${gw.url}/openai/v1/models`, {
      headers: { authorization: `Bearer ${gw.key}`, 'x-forwarded-host': b, 'x-forwarded-proto': 'http', host: b },
    })
    expect(viaFetch.status).toBe(200)
    expect(((await viaFetch.json()) as { from: string }).from).toBe('A')
    expectAllowedUpstreamsClean()
  })

  test('a well-formed request reaches A with its exact target and no gateway key', async () => {
    const before = upstreamA.requests.length
    const response = await sendRaw(gwPort, get('/openai/v1/models?limit=2&after=a%20b'))
    expect(response.status).toBe(200)
    expect(response.headers.get('x-upstream')).toBe('A')
    expect(upstreamA.requests.length).toBe(before + 1)
    const request = upstreamA.requests.at(-1)!
    expect(request.target).toBe('/v1/models?limit=2&after=a%20b')
    expect(request.headers.find(([name]) => name === 'authorization')?.[1]).toBe(`Bearer ${UPSTREAM_SECRET}`)
    expectAllowedUpstreamsClean()
  })
})

describe('gemini ?key=', () => {
  test('the key parameter is removed; every other parameter is kept byte-identical and in order', async () => {
    const model = '/v1beta/models/gemini-2.5-flash:streamGenerateContent'
    const cases: [string, string][] = [
      [`alt=sse&key=${gw.key}`, 'alt=sse'],
      [`key=${gw.key}&alt=sse`, 'alt=sse'],
      [`alt=sse&key=${gw.key}&z=1&a=%2F%20x&empty=&flag`, 'alt=sse&z=1&a=%2F%20x&empty=&flag'],
      [`b=2&alt=sse&key=${encodeURIComponent(gw.key)}&a=1`, 'b=2&alt=sse&a=1'],
      [`key=${gw.key}`, ''],
    ]
    const body = '{"contents":[{"parts":[{"text":"hi"}]}]}'
    for (const [query, expected] of cases) {
      const before = geminiUpstream.requests.length
      const response = await sendRaw(
        gwPort,
        `POST /gemini${model}?${query} HTTP/1.1\r\nHost: 127.0.0.1:${gwPort}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      )
      expect(response.status, query).toBe(200)
      expect(geminiUpstream.requests.length, query).toBe(before + 1)
      const request = geminiUpstream.requests.at(-1)!
      expect(request.target, query).toBe(expected ? `${model}?${expected}` : model)
      expect(request.target, query).not.toContain(gw.key)
      expect(request.headers.find(([name]) => name === 'x-goog-api-key')?.[1]).toBe(UPSTREAM_SECRET)
    }
    // Through fetch as well (the way the Gemini SDKs send it).
    const viaFetch = await fetch(`${gw.url}/gemini${model}?alt=sse&key=${gw.key}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    expect(viaFetch.status).toBe(200)
    expect(geminiUpstream.requests.at(-1)!.target).toBe(`${model}?alt=sse`)
    expectAllowedUpstreamsClean()
  })

  test('a key-like parameter that is not "key" is kept', async () => {
    const model = '/v1beta/models/gemini-2.5-flash:generateContent'
    const response = await fetch(`${gw.url}/gemini${model}?apikey=x&mykey=y&alt=json`, {
      method: 'POST',
      headers: { 'x-goog-api-key': gw.key, 'content-type': 'application/json' },
      body: '{}',
    })
    expect(response.status).toBe(200)
    expect(geminiUpstream.requests.at(-1)!.target).toBe(`${model}?apikey=x&mykey=y&alt=json`)
  })
})
