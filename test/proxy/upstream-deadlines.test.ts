// Upstream deadlines: once headers are in, the idle limit runs from the last byte, even when the headers limit is longer.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { scriptedBody, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'
import { waitForUsageRow } from '../support/usage-rows.ts'

const SILENCE_MS = 5_000
/**
 * A declared-length JSON body (the gateway reads these whole) whose rest never comes. Raw TCP, because Bun.serve
 * sends a streamed body chunked and drops its Content-Length.
 */
const JSON_BODY = JSON.stringify({ id: 'msg_1', type: 'message', content: [{ type: 'text', text: 'late' }] })

let upstream: FakeUpstream
let stalledJson: Bun.TCPSocketListener<undefined>
let gw: TestGateway

beforeAll(async () => {
  upstream = startFakeUpstream(
    () =>
      new Response(scriptedBody([{ send: 'data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n', wait: SILENCE_MS }, { send: 'data: [DONE]\n\n' }]), {
        headers: { 'content-type': 'text/event-stream' },
      }),
  )
  stalledJson = Bun.listen({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      data(socket) {
        socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${JSON_BODY.length}\r\n\r\n${JSON_BODY.slice(0, 10)}`)
      },
    },
  })
  gw = await startTestGateway({
    upstreams: { openai: upstream.url, anthropic: `http://127.0.0.1:${stalledJson.port}` },
    env: { SOCIARO_UPSTREAM_HEADERS_TIMEOUT_MS: '10000', SOCIARO_UPSTREAM_IDLE_TIMEOUT_MS: '1000', SOCIARO_METER_FLUSH_MS: '20' },
  })
})

afterAll(async () => {
  await gw?.stop()
  upstream?.stop()
  stalledJson?.stop(true)
})

/** Reads until the stream ends or fails; returns the text received. */
async function drain(response: Response): Promise<string> {
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
    }
  } catch {
    // A cut stream ends with an error on the client side: what matters is when.
  }
  return text
}

test('a stream that goes silent after its first chunk is cut by the idle limit, not the longer headers limit', async () => {
  const started = performance.now()
  const response = await fetch(`${gw.url}/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true }),
  })
  expect(response.status).toBe(200)
  const requestId = response.headers.get('x-sociaro-request-id')!
  const text = await drain(response)
  const elapsed = performance.now() - started
  expect(text).toContain('"content":"hi"')
  expect(text).not.toContain('[DONE]')
  // Idle limit 1 s; the upstream's silence is 5 s and the headers limit 10 s.
  expect(elapsed).toBeLessThan(3_000)
  const row = await waitForUsageRow(gw.dbUrl, requestId)
  expect(row).toMatchObject({ ended_by: 'timeout', partial: 1 })
  const metrics = await (await fetch(`${gw.url}/metrics`)).text()
  expect(metrics).toMatch(/sociaro_requests_total\{provider="openai",status="200",ended_by="timeout"\} 1/)
}, 15_000)

test('a whole-read JSON body that stalls halfway is cut by the idle limit with a provider-shaped timeout', async () => {
  const started = performance.now()
  const response = await fetch(`${gw.url}/anthropic/v1/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
  })
  const body = (await response.json()) as { type: string; error: { type: string } }
  expect(performance.now() - started).toBeLessThan(3_000)
  // Anthropic's own error shape, so its SDK raises its usual class.
  expect(response.status).toBe(504)
  expect(body).toMatchObject({ type: 'error', error: { type: 'timeout_error' } })
  const row = await waitForUsageRow(gw.dbUrl, response.headers.get('x-sociaro-request-id')!)
  expect(row).toMatchObject({ ended_by: 'timeout' })
}, 15_000)
