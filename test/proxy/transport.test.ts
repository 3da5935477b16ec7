// Transport behaviour of the pass-through: compression kept, UTF-8 intact, no buffering, quiet streams survive, aborts propagate.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { gzipSync } from 'node:zlib'
import { concatBytes, scriptedBody, sha256, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { rawRequest } from '../support/raw-http.ts'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'

const enc = (s: string) => new TextEncoder().encode(s)
let upstream: FakeUpstream
let gw: TestGateway
let cancelledStreams = 0

const GZIP_BODY = gzipSync(enc(JSON.stringify({ id: 'chatcmpl-gz', choices: [{ message: { content: 'compressed ✓' } }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } })))
// "你" is E4 BD A0: the first chunk ends after E4 BD, the second starts with A0.
const SPLIT_UTF8 = [new Uint8Array([...enc('data: {"t":"'), 0xe4, 0xbd]), new Uint8Array([0xa0, ...enc('"}\n\n')])]

beforeAll(async () => {
  upstream = startFakeUpstream((request) => {
    const test = request.headers.get('x-test')
    switch (test) {
      case 'gzip':
        return new Response(GZIP_BODY, { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } })
      case 'gzip-sse':
        return new Response(scriptedBody([{ send: GZIP_BODY.slice(0, 10), wait: 10 }, { send: GZIP_BODY.slice(10) }]), {
          headers: { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' },
        })
      case 'split-utf8':
        return new Response(scriptedBody([{ send: SPLIT_UTF8[0]!, wait: 20 }, { send: SPLIT_UTF8[1]! }]), { headers: { 'content-type': 'text/event-stream' } })
      case 'slow-first':
        return new Response(scriptedBody([{ send: 'data: first\n\n', wait: 1500 }, { send: 'data: second\n\n' }]), { headers: { 'content-type': 'text/event-stream' } })
      case 'quiet':
        return new Response(scriptedBody([{ send: 'data: before\n\n', wait: Number(request.headers.get('x-gap')) }, { send: 'data: after\n\n' }]), {
          headers: { 'content-type': 'text/event-stream' },
        })
      case 'endless': {
        const steps = Array.from({ length: 200 }, (_, i) => ({ send: `data: ${i}\n\n`, wait: 50 }))
        return new Response(scriptedBody(steps, () => cancelledStreams++), { headers: { 'content-type': 'text/event-stream' } })
      }
      default:
        return Response.json({ ok: true })
    }
  })
  // A short server idle timeout proves the per-request override: the quiet-gap test waits longer than it.
  gw = await startTestGateway({ upstreams: { openai: upstream.url }, env: { SOCIARO_SERVER_IDLE_TIMEOUT_S: '2' } })
})

afterAll(async () => {
  await gw.stop()
  upstream.stop()
})

function call(testName: string, extra: Record<string, string> = {}, signal?: AbortSignal) {
  return fetch(`${gw.url}/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json', 'x-test': testName, 'accept-encoding': 'gzip', ...extra },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    decompress: false,
    ...(signal ? { signal } : {}),
  } as RequestInit)
}

async function readAll(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer())
}

test('a gzip JSON body arrives byte-identical with its Content-Encoding', async () => {
  const response = await call('gzip')
  expect(response.headers.get('content-encoding')).toBe('gzip')
  expect(sha256(await readAll(response))).toBe(sha256(GZIP_BODY))
})

test('a gzip stream arrives byte-identical', async () => {
  const response = await call('gzip-sse')
  expect(response.headers.get('content-encoding')).toBe('gzip')
  expect(sha256(await readAll(response))).toBe(sha256(GZIP_BODY))
})

test('a client that does not accept compression is not sent any (accept-encoding: identity upstream)', async () => {
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [] })
  const head = `POST /openai/v1/chat/completions HTTP/1.1\nHost: x\nAuthorization: Bearer ${gw.key}\nContent-Type: application/json\nContent-Length: ${body.length}\nConnection: close`
  const { status } = await rawRequest(gw.url, head, body)
  expect(status).toBe(200)
  const seen = upstream.requests.at(-1)!.headers.get('accept-encoding')
  expect(['identity', null]).toContain(seen)
})

test('a multi-byte UTF-8 character split across two upstream chunks arrives intact', async () => {
  const response = await call('split-utf8')
  const bytes = await readAll(response)
  expect(sha256(bytes)).toBe(sha256(concatBytes(SPLIT_UTF8)))
  expect(new TextDecoder().decode(bytes)).toBe('data: {"t":"你"}\n\n')
})

test('the first SSE chunk reaches the client while the upstream is still sending', async () => {
  const started = performance.now()
  const response = await call('slow-first')
  const reader = response.body!.getReader()
  const first = await reader.read()
  const firstAt = performance.now() - started
  expect(new TextDecoder().decode(first.value)).toBe('data: first\n\n')
  expect(firstAt).toBeLessThan(1200) // the second chunk is 1.5 s away: the first was not held back
  let rest = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    rest += new TextDecoder().decode(value)
  }
  expect(rest).toBe('data: second\n\n')
})

test('a stream with a quiet gap longer than the server idle timeout survives', async () => {
  const response = await call('quiet', { 'x-gap': '3500' })
  expect(new TextDecoder().decode(await readAll(response))).toBe('data: before\n\ndata: after\n\n')
})

test('a quiet gap longer than Bun\'s default 10 s idle timeout survives', async () => {
  const response = await call('quiet', { 'x-gap': '11000' })
  expect(new TextDecoder().decode(await readAll(response))).toBe('data: before\n\ndata: after\n\n')
}, 20_000)

test('a client abort cancels the upstream request', async () => {
  const before = cancelledStreams
  const controller = new AbortController()
  const response = await call('endless', {}, controller.signal)
  const reader = response.body!.getReader()
  await reader.read()
  await reader.read()
  controller.abort()
  const deadline = Date.now() + 3000
  while (cancelledStreams === before && Date.now() < deadline) await Bun.sleep(25)
  expect(cancelledStreams).toBe(before + 1)
})

test('hop-by-hop request headers are not forwarded, ordinary ones are', async () => {
  await fetch(`${gw.url}/openai/v1/models`, {
    headers: { authorization: `Bearer ${gw.key}`, 'x-custom': 'kept', 'proxy-authorization': 'Basic x', te: 'trailers', 'x-sociaro-user': 'alice' },
  })
  const seen = upstream.requests.at(-1)!.headers
  expect(seen.get('x-custom')).toBe('kept')
  expect(seen.has('proxy-authorization')).toBe(false)
  expect(seen.has('x-sociaro-user')).toBe(false)
})
