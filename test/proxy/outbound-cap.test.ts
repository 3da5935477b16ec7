// Bun caps concurrent outbound fetches at 256 per process unless told otherwise at start-up; `serve` lifts the cap.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startServedGateway } from '../support/spawn-cli.ts'
import { UPSTREAM_SECRET } from '../support/test-gateway.ts'

const STREAMS = 300
let inFlight = 0
let peak = 0
const waiting: (() => void)[] = []
let upstream: ReturnType<typeof Bun.serve>

beforeAll(() => {
  upstream = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    async fetch() {
      inFlight++
      peak = Math.max(peak, inFlight)
      // Hold every request until all of them are in flight at once (or give up after 10 s).
      if (inFlight >= STREAMS) for (const release of waiting.splice(0)) release()
      else await Promise.race([new Promise<void>((resolve) => waiting.push(resolve)), Bun.sleep(10_000)])
      inFlight--
      return Response.json({ ok: true })
    },
  })
})

afterAll(() => {
  upstream.stop(true)
})

test(`${STREAMS} concurrent requests are all upstream at once (the 256 fetch cap is lifted)`, async () => {
  const server = await startServedGateway('cap', { SOCIARO_OPENAI_BASE_URL: `http://127.0.0.1:${upstream.port}`, SOCIARO_OPENAI_API_KEY: UPSTREAM_SECRET })
  const { key } = server
  try {
    // The client is a separate process with the cap lifted too, so only the gateway's own cap is under test.
    const client = Bun.spawn(
      [
        process.execPath,
        '-e',
        `const r = await Promise.all(Array.from({ length: ${STREAMS} }, () => fetch(process.env.URL + '/openai/v1/models', { headers: { authorization: 'Bearer ' + process.env.KEY } }).then(async (x) => { await x.arrayBuffer(); return x.status })));
         console.log(JSON.stringify(r.reduce((m, s) => ({ ...m, [s]: (m[s] ?? 0) + 1 }), {})))`,
      ],
      { env: { ...process.env, URL: server.url, KEY: key, BUN_CONFIG_MAX_HTTP_REQUESTS: '4096' }, stdout: 'pipe', stderr: 'pipe' },
    )
    const [out, err] = await Promise.all([new Response(client.stdout).text(), new Response(client.stderr).text()])
    await client.exited
    expect(err).toBe('')
    expect(JSON.parse(out)).toEqual({ 200: STREAMS })
    expect(peak).toBe(STREAMS)
  } finally {
    server.child.kill('SIGTERM')
    await server.child.exited
    server.remove()
  }
}, 60_000)
