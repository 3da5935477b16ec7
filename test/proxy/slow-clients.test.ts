// Slow clients cannot starve others: slow-header connections leave /healthz fast, and one address's pending requests are capped.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { connect } from 'node:net'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeOpenAI } from '../support/provider-fakes.ts'
import { rawRequest, streamUpload, type UploadResult } from '../support/raw-http.ts'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'

const CAP = 4
let upstream: FakeUpstream
let gw: TestGateway
let port: number

beforeAll(async () => {
  upstream = startFakeUpstream(fakeOpenAI)
  gw = await startTestGateway({ upstreams: { openai: upstream.url }, env: { SOCIARO_MAX_INFLIGHT_PER_IP: String(CAP) } })
  port = gw.gateway.port
})
afterAll(async () => {
  await gw.stop()
  upstream.stop()
})

const chat = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })

/** One request over its own connection from `localAddress` (another 127/8 address is another client). */
function requestFrom(localAddress: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress }, () => socket.write(text))
    let received = ''
    socket.on('data', (chunk) => (received += chunk.toString('latin1')))
    socket.on('close', () => resolve(received))
    socket.on('error', reject)
    socket.setTimeout(5_000, () => socket.destroy())
  })
}

function chatRequest(key: string): string {
  return `POST /openai/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ${chat.length}\r\n\r\n${chat}`
}

describe('slow clients', () => {
  test('1,100 connections sending their headers one byte a second do not delay a legitimate request', async () => {
    const sockets: Bun.Socket<undefined>[] = []
    try {
      for (let i = 0; i < 1_100; i++) {
        sockets.push(await Bun.connect({ hostname: '127.0.0.1', port, socket: { data() {}, error() {}, close() {} } }))
      }
      const line = 'GET /healthz HTTP/1.1\r\nX-Slow: '
      for (let second = 0; second < 2; second++) {
        for (const socket of sockets) socket.write(line[second]!)
        await Bun.sleep(1_000)
      }
      // A new connection, as a new client opens (a pooled fetch connection would not queue behind the flood).
      const started = performance.now()
      const response = await rawRequest(gw.url, 'GET /healthz HTTP/1.1\nHost: 127.0.0.1\nConnection: close')
      expect(response.status).toBe(200)
      // Did not hang: out of descriptors, it would wait for Bun's ~10 s header deadline to reap the slow ones.
      expect(performance.now() - started).toBeLessThan(3_000)
    } finally {
      for (const socket of sockets) socket.terminate()
    }
  })

  test(`an address with ${CAP} uploads in progress gets 429 at once for the next; other addresses are served`, async () => {
    const declared = 1024 * 1024
    const head = `POST /openai/v1/chat/completions HTTP/1.1\nHost: 127.0.0.1\nAuthorization: Bearer ${gw.key}\nContent-Type: application/json\nContent-Length: ${declared}`
    // Each sends 1 KiB of a 1 MiB body and stalls, holding its slot, until its timeout ends it.
    const stalled = Array.from({ length: CAP }, () => streamUpload(port, head, { bodyBytes: declared, pauseAfter: 1024, timeoutMs: 2_500 }))
    await Bun.sleep(300)
    const refused: UploadResult = await streamUpload(port, head, { bodyBytes: declared, pauseAfter: 1024, timeoutMs: 2_000 })
    expect(refused.status).toBe(429)
    expect(refused.head.toLowerCase()).toContain('connection: close')
    expect(refused.elapsedMs).toBeLessThan(1_500)

    const other = await requestFrom('127.0.0.2', chatRequest(gw.key))
    expect(other.split('\r\n')[0]).toBe('HTTP/1.1 200 OK')

    for (const result of await Promise.all(stalled)) expect(result.status).toBe(0)
    // The stalled uploads' connections were closed by the client: their slots are free again.
    await Bun.sleep(200)
    const after = await requestFrom('127.0.0.1', chatRequest(gw.key))
    expect(after.split('\r\n')[0]).toBe('HTTP/1.1 200 OK')
  })
})
