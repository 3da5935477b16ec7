// Metering never on the request path, and never lost: a stalled worker delays no byte; SIGTERM writes every record.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { scriptedBody, sha256, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeOpenAI, OPENAI_CHAT_SSE_EVENTS } from '../support/provider-fakes.ts'
import { runCli, startServedGateway } from '../support/spawn-cli.ts'
import { startTestGateway, UPSTREAM_SECRET } from '../support/test-gateway.ts'
import { queryRows, waitForUsageRow } from '../support/usage-rows.ts'

let upstream: FakeUpstream
beforeAll(() => {
  upstream = startFakeUpstream((request) => {
    if (request.headers.get('x-test') !== 'slow-stream') return fakeOpenAI(request)
    const steps = Array.from({ length: 10 }, (_, i) => ({ send: `data: {"choices":[{"index":0,"delta":{"content":"part${i} "}}]}\n\n`, wait: 150 }))
    return new Response(scriptedBody([...steps, { send: 'data: [DONE]\n\n' }]), { headers: { 'content-type': 'text/event-stream' } })
  })
})
afterAll(() => upstream.stop())

test('a stalled metering worker does not delay a single client byte', async () => {
  // The worker blocks its thread for 4 s on its first batch, as a wedged worker would.
  const stalled = await startTestGateway({ upstreams: { openai: upstream.url }, env: { SOCIARO_METER_FLUSH_MS: '20' }, meterStallMs: 4000 })
  try {
    const call = () =>
      fetch(`${stalled.url}/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stalled.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true }),
      })
    const first = await call()
    await first.arrayBuffer()
    await Bun.sleep(100) // the first job has reached the worker, which is now stuck
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      const response = await call()
      expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(OPENAI_CHAT_SSE_EVENTS.join('')))
      ids.push(response.headers.get('x-sociaro-request-id')!)
    }
    // Every response is complete while the worker is still stuck: nothing has been written yet.
    expect(await queryRows(stalled.dbUrl, 'SELECT request_id FROM usage_events')).toHaveLength(0)
    // Once it wakes up, nothing was lost.
    for (const id of ids) await waitForUsageRow(stalled.dbUrl, id, 10_000)
  } finally {
    await stalled.stop()
  }
}, 30_000)

test('SIGTERM drains the meter: every request of a burst is in the database', async () => {
  // A long flush interval: without the drain on shutdown, the rows would still be in memory.
  const server = await startServedGateway('drain', {
    SOCIARO_OPENAI_BASE_URL: upstream.url,
    SOCIARO_OPENAI_API_KEY: UPSTREAM_SECRET,
    SOCIARO_METER_FLUSH_MS: '60000',
    SOCIARO_METER_FLUSH_ROWS: '10000',
  })
  const { key, dbUrl, env } = server
  try {
    const N = 40
    const responses = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        fetch(`${server.url}/openai/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `request ${i}` }], stream: i % 2 === 0 }),
        }).then(async (r) => {
          await r.arrayBuffer()
          return r.status
        }),
      ),
    )
    expect(responses.every((s) => s === 200)).toBe(true)
    expect(await queryRows(dbUrl, 'SELECT request_id FROM usage_events')).toHaveLength(0)
    server.child.kill('SIGTERM')
    expect(await server.child.exited).toBe(0)
    const rows = await queryRows(dbUrl, "SELECT COUNT(*) AS n, SUM(CASE WHEN cost_status IN ('priced','estimated') THEN 1 ELSE 0 END) AS costed FROM usage_events")
    expect(Number(rows[0]!.n)).toBe(N)
    expect(Number(rows[0]!.costed)).toBe(N)
    const rollup = await queryRows(dbUrl, "SELECT SUM(requests) AS n FROM usage_rollups WHERE grain = 'hour'")
    expect(Number(rollup[0]!.n)).toBe(N)

    // The CLI summary reads the same rollups.
    const summary = JSON.parse((await runCli(['usage', '--json', '--group-by', 'model'], env)).stdout) as { totals: { requests: number; cost_micros: number } }
    expect(summary.totals.requests).toBe(N)
    expect(summary.totals.cost_micros).toBeGreaterThan(0)
    const tableRun = await runCli(['usage', '--org', 'drain'], env)
    // Exit code and stderr ride along so that a failure says why the table is missing.
    expect({ code: tableRun.code, stderr: tableRun.stderr, model: tableRun.stdout.includes('openai/gpt-4o-mini') }).toEqual({ code: 0, stderr: '', model: true })
    expect(tableRun.stdout).toContain(String(N))
    const repriced = await runCli(['reprice', '--from', new Date(Date.now() - 3_600_000).toISOString(), '--to', new Date(Date.now() + 60_000).toISOString()], env)
    expect(repriced.code).toBe(0)
    expect(repriced.stdout).toContain(`examined ${N} request(s), changed 0`)
  } finally {
    server.child.kill('SIGKILL')
    server.remove()
  }
}, 60_000)

test('SIGTERM during a stream: the stream finishes, then its usage is written before exit', async () => {
  const server = await startServedGateway('term', { SOCIARO_OPENAI_BASE_URL: upstream.url, SOCIARO_OPENAI_API_KEY: UPSTREAM_SECRET })
  const { key, dbUrl } = server
  try {
    const response = await fetch(`${server.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-test': 'slow-stream' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'tell me a story' }], stream: true }),
    })
    const reader = response.body!.getReader()
    await reader.read()
    server.child.kill('SIGTERM') // mid-stream
    let text = ''
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      text += new TextDecoder().decode(value)
    }
    expect(text).toContain('part9')
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true)
    expect(await server.child.exited).toBe(0)
    const rows = await queryRows(dbUrl, 'SELECT ended_by, cost_status, output_tokens FROM usage_events')
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ ended_by: 'complete', cost_status: 'estimated' })
    expect(Number(rows[0]!.output_tokens)).toBeGreaterThan(5)
  } finally {
    server.child.kill('SIGKILL')
    server.remove()
  }
}, 30_000)
