// Requests the gateway refuses (bad key, rate, concurrency, budget, size) are answered before their body is read, and the upload is cut.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeOpenAI } from '../support/provider-fakes.ts'
import { streamUpload, type UploadResult } from '../support/raw-http.ts'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'

const MiB = 1024 * 1024
let upstream: FakeUpstream
let gw: TestGateway
let port: number
let releaseSlow: (() => void)[] = []

beforeAll(async () => {
  upstream = startFakeUpstream(async (request) => {
    if (request.headers.get('x-test') === 'slow') await new Promise<void>((resolve) => releaseSlow.push(resolve))
    return fakeOpenAI(request)
  })
  gw = await startTestGateway({ upstreams: { openai: upstream.url } })
  port = gw.gateway.port
})
afterAll(async () => {
  for (const release of releaseSlow) release()
  await gw.stop()
  upstream.stop()
})

const smallChat = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })

function chatHead(key: string, framing: string): string {
  return `POST /openai/v1/chat/completions HTTP/1.1\nHost: 127.0.0.1\nAuthorization: Bearer ${key}\nContent-Type: application/json\n${framing}`
}

/** Declares a huge body, sends only its first 64 KiB and waits: an answer now proves the rest was never needed. */
function declareHugeSendLittle(key: string, declared = 30 * MiB): Promise<UploadResult> {
  return streamUpload(port, chatHead(key, `Content-Length: ${declared}`), { bodyBytes: declared, pauseAfter: 64 * 1024, timeoutMs: 5_000 })
}

function expectRefusedUnread(result: UploadResult, status: number): void {
  expect(result.status).toBe(status)
  expect(result.bodyBytesAtResponse).toBeLessThanOrEqual(64 * 1024)
  // The gateway will not read (or drain) the rest: it says so, and closes.
  expect(result.head.toLowerCase()).toContain('connection: close')
}

function chat(key: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gw.url}/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: smallChat,
  })
}

describe('limits are applied before the body is read', () => {
  test('a key with rpm=1 gets 429 for 40 large uploads without the gateway waiting for their bodies', async () => {
    const limited = await gw.createKey({ name: 'rpm-1', rpm: 1 })
    const first = await chat(limited.key)
    expect(first.status).toBe(200)
    await first.arrayBuffer()
    const results = await Promise.all(Array.from({ length: 40 }, () => declareHugeSendLittle(limited.key)))
    for (const result of results) {
      expectRefusedUnread(result, 429)
      expect(result.head.toLowerCase()).toContain('x-sociaro-ratelimit-remaining-requests: 0')
      expect(result.head.toLowerCase()).toMatch(/retry-after: \d+/)
    }
  })

  test('a key at max_concurrency gets 429 before its next body is read', async () => {
    const single = await gw.createKey({ name: 'one-at-a-time', max_concurrency: 1 })
    const inFlight = chat(single.key, { 'x-test': 'slow' })
    while (releaseSlow.length === 0) await Bun.sleep(10)
    expectRefusedUnread(await declareHugeSendLittle(single.key), 429)
    releaseSlow.shift()!()
    expect((await inFlight).status).toBe(200)
  })

  test('a key whose budget is used up gets 429 budget_exceeded before its body is read', async () => {
    const broke = await gw.createKey({ name: 'no-budget', budget_usd: 0 })
    const result = await declareHugeSendLittle(broke.key)
    expectRefusedUnread(result, 429)
  })

  test('the pre-body check consumes nothing: a refused-for-size request leaves the one request of an rpm=1 key', async () => {
    const limited = await gw.createKey({ name: 'rpm-1-size', rpm: 1 })
    const tooBig = await declareHugeSendLittle(limited.key, 64 * MiB)
    expectRefusedUnread(tooBig, 413)
    const response = await chat(limited.key)
    expect(response.status).toBe(200)
    await response.arrayBuffer()
  })
})

describe('refused uploads are cut, not drained', () => {
  // 45 MiB: under Bun's own cap (the gateway's 32 MiB + 16), so the gateway is the one answering.
  test('an unknown key streaming 45 MiB is answered 401 and disconnected long before the end', async () => {
    const result = await streamUpload(port, chatHead('gw_live_not_a_real_key', `Content-Length: ${45 * MiB}`), { bodyBytes: 45 * MiB, timeoutMs: 20_000 })
    expect(result.status).toBe(401)
    expect(result.cutOff).toBe(true)
    expect(result.bodyBytesSent).toBeLessThan(16 * MiB)
  })

  test('a chunked 200 MiB upload gets 413 at the 32 MiB limit and the connection is closed, not read to the end', async () => {
    const result = await streamUpload(port, chatHead(gw.key, 'Transfer-Encoding: chunked'), { bodyBytes: 200 * MiB, chunked: true, timeoutMs: 20_000 })
    expect(result.status).toBe(413)
    expect(result.head.toLowerCase()).toContain('connection: close')
    expect(result.cutOff).toBe(true)
    // 32 MiB read, plus what loopback socket buffers hold.
    expect(result.bodyBytesSent).toBeLessThan(64 * MiB)
  })

  test('the connection stays usable after an ordinary refusal with no body', async () => {
    const response = await fetch(`${gw.url}/openai/v1/models`, { headers: { authorization: 'Bearer gw_live_wrong' } })
    expect(response.status).toBe(401)
    expect(response.headers.get('connection')).not.toBe('close')
  })
})
