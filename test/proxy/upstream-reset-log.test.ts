// An upstream that resets its connection mid-stream: one structured log line with the request id, no runtime dump.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { createServer, type Server } from 'node:net'
import { startServedGateway } from '../support/spawn-cli.ts'

let upstream: Server
let port = 0

beforeAll(async () => {
  // Raw TCP: a streamed 200 whose connection is reset (RST) after the first event, as a crashed upstream does.
  upstream = createServer((socket) => {
    socket.once('data', () => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n')
      const event = 'data: {"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n'
      socket.write(`${Buffer.byteLength(event).toString(16)}\r\n${event}\r\n`)
      setTimeout(() => socket.resetAndDestroy(), 100)
    })
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  port = (upstream.address() as { port: number }).port
})

afterAll(() => {
  upstream.close()
})

test('a mid-stream upstream reset is logged once, structured, with the request id', async () => {
  const served = await startServedGateway('reset', { SOCIARO_OPENAI_BASE_URL: `http://127.0.0.1:${port}`, SOCIARO_OPENAI_API_KEY: 'sk-upstream' })
  try {
    const response = await fetch(`${served.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${served.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(response.status).toBe(200)
    const requestId = response.headers.get('x-sociaro-request-id')!
    // The client sees the cut (no clean end of the chunked body), not a truncated body passed off as whole.
    const failure = await response.text().then(() => undefined, (error: unknown) => error)
    expect(failure).toBeDefined()
    await Bun.sleep(300)
    served.child.kill()
    const log = await served.logs()
    const lines = log.split('\n').filter((line) => line.includes(requestId))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^\S+Z WARN  upstream stream failed after its headers were sent \{/)
    const fields = JSON.parse(lines[0]!.slice(lines[0]!.indexOf('{'))) as Record<string, unknown>
    expect(fields).toMatchObject({ requestId, provider: 'openai', endedBy: 'upstream_error' })
    expect(String(fields.cause)).toContain('ECONNRESET')
    // Nothing else: no source frame, no stack, no bare error object from the runtime.
    expect(log).not.toContain('forward.ts')
    expect(log).not.toMatch(/^\s*\d+ \|/m)
    expect(log).not.toMatch(/^\s+at /m)
  } finally {
    served.child.kill()
    served.remove()
  }
})
