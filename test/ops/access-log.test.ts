// The access log: one line per proxied request with its facts, tokens and cost; JSON or text; written off the request path.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { AccessLog } from '../../src/access-log/access-log.ts'
import { formatAccessLine, type AccessRecord } from '../../src/access-log/access-line.ts'
import { LineWriter, type LineSink } from '../../src/access-log/line-writer.ts'
import { ConfigError, loadConfig, type ResolvedProvider } from '../../src/config.ts'
import type { AdmittedRequest } from '../../src/proxy/stages.ts'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatLogLine } from '../../src/log.ts'
import { scriptedBody, sha256, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeOpenAI, OPENAI_CHAT_JSON, OPENAI_CHAT_SSE_EVENTS } from '../support/provider-fakes.ts'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'
import { waitForUsageRow } from '../support/usage-rows.ts'

let upstream: FakeUpstream
beforeAll(() => (upstream = startFakeUpstream(fakeOpenAI)))
afterAll(() => upstream.stop())

/** A sink that keeps every write (each write is one batch of lines). */
function captureSink() {
  const writes: string[] = []
  const sink: LineSink = { write: (text) => (writes.push(text), true), onDrain: () => {} }
  const lines = () => writes.join('').split('\n').filter(Boolean)
  return { writes, sink, lines }
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(25)
  }
}

function chat(gw: TestGateway, body: Record<string, unknown> = {}, key = gw.key) {
  return fetch(`${gw.url}/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...body }),
  })
}

describe('JSON format (SOCIARO_LOG_FORMAT=json)', () => {
  let gw: TestGateway
  const out = captureSink()
  beforeAll(async () => {
    gw = await startTestGateway({
      upstreams: { openai: upstream.url },
      env: { SOCIARO_LOG_FORMAT: 'json', SOCIARO_METER_FLUSH_MS: '20' },
      gatewayOptions: { accessLogSink: out.sink },
    })
  })
  afterAll(() => gw.stop())

  const lineFor = (id: string) =>
    until(`the access line of ${id}`, () => out.lines().map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.request_id === id))

  test('a metered request: one line with its key, org, model, status, timings, and the tokens and cost of its usage row', async () => {
    const response = await chat(gw)
    expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(OPENAI_CHAT_JSON))
    const id = response.headers.get('x-sociaro-request-id')!
    const row = await waitForUsageRow(gw.dbUrl, id)
    const line = await lineFor(id)
    expect(line).toMatchObject({
      level: 'info',
      msg: 'request',
      request_id: id,
      method: 'POST',
      provider: 'openai',
      path: '/v1/chat/completions',
      org_id: gw.orgId,
      key_id: gw.keyId,
      status: 200,
      ended_by: 'complete',
      input_tokens: 12,
      output_tokens: 9,
      cost_status: row.cost_status,
      cost_micros: row.cost_micros,
      client_ip: '127.0.0.1',
    })
    expect(typeof line.model).toBe('string')
    expect(Number.isNaN(Date.parse(line.time as string))).toBe(false)
    expect(line.duration_ms).toBeGreaterThanOrEqual(0)
    expect(line.ttfb_ms).toBeGreaterThanOrEqual(0)
    expect(line.cost_micros).toBeGreaterThan(0)
    // ONE line per request, even after the settlement arrived.
    await Bun.sleep(200)
    expect(out.lines().filter((l) => l.includes(id))).toHaveLength(1)
  }, 20_000)

  test('a stream: its line comes once the stream ended and was metered', async () => {
    const response = await chat(gw, { stream: true })
    expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(OPENAI_CHAT_SSE_EVENTS.join('')))
    const line = await lineFor(response.headers.get('x-sociaro-request-id')!)
    expect(line).toMatchObject({ status: 200, ended_by: 'complete', input_tokens: 11, output_tokens: 3 })
  })

  test('refusals get a line too: the status, "refused" and the gateway error code', async () => {
    const missing = await fetch(`${gw.url}/openai/v1/chat/completions`, { method: 'POST', body: '{}' })
    expect(missing.status).toBe(401)
    const line = await lineFor(missing.headers.get('x-sociaro-request-id')!)
    expect(line).toMatchObject({ status: 401, ended_by: 'refused', error: 'missing_key', provider: 'openai', cost_status: 'unmetered' })
    expect(line.key_id).toBeUndefined()

    // Refused before the body is read (requests per minute): the key is known by then, and named.
    const once = await gw.createKey({ rpm: 1 })
    await (await chat(gw, {}, once.key)).arrayBuffer()
    const early = await chat(gw, {}, once.key)
    expect(early.status).toBe(429)
    expect(await lineFor(early.headers.get('x-sociaro-request-id')!)).toMatchObject({ status: 429, ended_by: 'refused', error: 'rate_limited', key_id: once.id, org_id: gw.orgId })

    // Refused by the token rate after admission (it needs the body): the line still names the key and the org.
    const slow = await gw.createKey({ tpm: 10 })
    await (await chat(gw, { max_tokens: 4000 }, slow.key)).arrayBuffer()
    const refused = await chat(gw, { max_tokens: 4000 }, slow.key)
    expect(refused.status).toBe(429)
    const rateLine = await lineFor(refused.headers.get('x-sociaro-request-id')!)
    expect(rateLine).toMatchObject({ status: 429, ended_by: 'refused', error: 'rate_limited', key_id: slow.id, org_id: gw.orgId, model: 'gpt-4o-mini' })
  })
})

test('a client that goes away mid-stream: its line says so, with the status it had', async () => {
  const out = captureSink()
  const slow = startFakeUpstream(() => new Response(scriptedBody([{ send: 'data: {"choices":[]}\n\n', wait: 3_000 }, { send: 'data: [DONE]\n\n' }]), { headers: { 'content-type': 'text/event-stream' } }))
  const gw = await startTestGateway({ upstreams: { openai: slow.url }, env: { SOCIARO_LOG_FORMAT: 'json', SOCIARO_METER_FLUSH_MS: '20' }, gatewayOptions: { accessLogSink: out.sink } })
  try {
    const controller = new AbortController()
    const response = await fetch(`${gw.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [], stream: true }),
      signal: controller.signal,
    })
    const id = response.headers.get('x-sociaro-request-id')!
    await response.body!.getReader().read()
    controller.abort()
    const line = await until('the line', () => out.lines().map((l) => JSON.parse(l)).find((l) => l.request_id === id))
    expect(line).toMatchObject({ status: 200, ended_by: 'client_abort', key_id: gw.keyId })
    expect(line.duration_ms).toBeLessThan(3_000)
  } finally {
    await gw.stop()
    slow.stop()
  }
}, 20_000)

test('SOCIARO_LOG_FORMAT is text or json, SOCIARO_ACCESS_LOG a boolean', () => {
  expect(loadConfig({}).logFormat).toBe('text')
  expect(loadConfig({}).accessLog).toBe(true)
  expect(loadConfig({ SOCIARO_LOG_FORMAT: 'json' }).logFormat).toBe('json')
  expect(() => loadConfig({ SOCIARO_LOG_FORMAT: 'xml' })).toThrow(ConfigError)
  expect(() => loadConfig({ SOCIARO_ACCESS_LOG: 'maybe' })).toThrow(ConfigError)
})

test('the gateway log in JSON: time, level and msg first, and no field can overwrite them', () => {
  const line = formatLogLine('json', new Date(0), 'warn', 'upstream failure', { requestId: 'req_1', level: 'forged', msg: 'forged' })
  expect(line.endsWith('\n')).toBe(true)
  expect(Object.keys(JSON.parse(line))).toEqual(['time', 'level', 'msg', 'requestId'])
  expect(JSON.parse(line)).toEqual({ time: '1970-01-01T00:00:00.000Z', level: 'warn', msg: 'upstream failure', requestId: 'req_1' })
  expect(formatLogLine('text', new Date(0), 'info', 'hello', { a: 1 })).toBe('1970-01-01T00:00:00.000Z INFO  hello {"a":1}\n')
})

test('text format (the default): one key=value line, values that are not plain tokens quoted', async () => {
  const out = captureSink()
  const gw = await startTestGateway({ upstreams: { openai: upstream.url }, env: { SOCIARO_METER_FLUSH_MS: '20' }, gatewayOptions: { accessLogSink: out.sink } })
  try {
    const response = await chat(gw, { model: 'gpt-4o-mini x="forged"' })
    await response.arrayBuffer()
    const id = response.headers.get('x-sociaro-request-id')!
    const line = await until('the text line', () => out.lines().find((l) => l.includes(`request_id=${id}`)))
    expect(line).toMatch(/^\d{4}-\d\d-\d\dT\S+Z INFO  request request_id=/)
    expect(line).toContain(` key_id=${gw.keyId} `)
    expect(line).toContain(' status=200 ended_by=complete ')
    expect(line).toContain(' input_tokens=12 output_tokens=9 ')
    expect(line).toMatch(/ duration_ms=\d+ ttfb_ms=\d+ /)
    // The client-chosen model name cannot add a field of its own.
    expect(line).toContain(' model="gpt-4o-mini x=\\"forged\\"" ')
    expect(line).not.toContain(' x="forged"')
  } finally {
    await gw.stop()
  }
}, 20_000)

test('metering off: the line is written when the exchange ends, marked unmetered', async () => {
  const out = captureSink()
  const gw = await startTestGateway({ upstreams: { openai: upstream.url }, env: { SOCIARO_METERING: 'false', SOCIARO_LOG_FORMAT: 'json' }, gatewayOptions: { accessLogSink: out.sink } })
  try {
    const response = await chat(gw)
    await response.arrayBuffer()
    const id = response.headers.get('x-sociaro-request-id')!
    const line = await until('the line', () => out.lines().map((l) => JSON.parse(l)).find((l) => l.request_id === id))
    expect(line).toMatchObject({ status: 200, ended_by: 'complete', cost_status: 'unmetered', key_id: gw.keyId })
    expect(line.input_tokens).toBeUndefined()
  } finally {
    await gw.stop()
  }
})

test('SOCIARO_ACCESS_LOG=false, or a log level above info, writes no line', async () => {
  for (const env of [{ SOCIARO_ACCESS_LOG: 'false' }, { SOCIARO_LOG_LEVEL: 'warn' }] as Record<string, string>[]) {
    const out = captureSink()
    const gw = await startTestGateway({ upstreams: { openai: upstream.url }, env, gatewayOptions: { accessLogSink: out.sink } })
    try {
      await (await chat(gw)).arrayBuffer()
      await Bun.sleep(300)
      expect(out.writes).toHaveLength(0)
    } finally {
      await gw.stop()
    }
  }
}, 20_000)

test('stdout backed up: requests flow unaffected, lines beyond the bound are dropped and counted in a metric', async () => {
  // A sink that never takes another batch, as a stdout pipe nobody reads.
  let writes = 0
  const stalled: LineSink = { write: () => (writes++, false), onDrain: () => {} }
  const gw = await startTestGateway({ upstreams: { openai: upstream.url }, env: { SOCIARO_METERING: 'false' }, gatewayOptions: { accessLogSink: stalled, accessLogMaxQueued: 5 } })
  try {
    for (let i = 0; i < 20; i++) expect(sha256(new Uint8Array(await (await chat(gw)).arrayBuffer()))).toBe(sha256(OPENAI_CHAT_JSON))
    await Bun.sleep(150)
    // The first batch went to the sink, and nothing after it while it is backed up.
    expect(writes).toBe(1)
    const metrics = await (await fetch(`${gw.url}/metrics`)).text()
    const dropped = Number(/^sociaro_access_log_dropped_total (\d+)$/m.exec(metrics)![1])
    // 20 lines: one batch handed over, 5 held since it backed up, the rest dropped and counted.
    expect(dropped).toBeGreaterThan(0)
    expect(dropped).toBeLessThan(20)
  } finally {
    await gw.stop()
  }
})

test('real stdout into a pipe nobody reads: the writer holds a bounded queue and counts the rest as dropped', async () => {
  // `| sleep` keeps the pipe open and never reads it: once its buffer is full, every further flush is pending.
  const module = JSON.stringify(join(import.meta.dir, '../../src/access-log/line-writer.ts'))
  const script = `const { LineWriter, stdoutSink } = await import(${module});
    const w = new LineWriter({ sink: stdoutSink(), format: (s) => s + '\\n', maxQueued: 1000 });
    for (let round = 0; round < 100; round++) { for (let i = 0; i < 200; i++) w.add('x'.repeat(300)); w.flush(); await Bun.sleep(5) }
    process.stderr.write(JSON.stringify({ written: w.written, dropped: w.dropped, queued: w.queued }) + '\\n'); process.exit(0)`
  const dir = mkdtempSync(join(tmpdir(), 'sociaro-stdout-'))
  try {
    writeFileSync(join(dir, 'writer.ts'), script)
    const child = Bun.spawn(['sh', '-c', `"${process.execPath}" writer.ts 2>stats.json | sleep 4`], { cwd: dir, stdout: 'ignore', stderr: 'inherit' })
    await child.exited
    const stats = JSON.parse(readFileSync(join(dir, 'stats.json'), 'utf8')) as { written: number; dropped: number; queued: number }
    expect(stats.written + stats.dropped + stats.queued).toBe(20_000)
    // Handed to stdout: what the pipe took before it filled, not 6 MB buffered in the process.
    expect(stats.written).toBeLessThan(5_000)
    expect(stats.queued).toBeLessThanOrEqual(1_000)
    expect(stats.dropped).toBeGreaterThan(14_000)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}, 20_000)

describe('off the request path', () => {
  const provider = { spec: { id: 'openai' } } as unknown as ResolvedProvider
  const providers = new Map([['openai', provider]])
  function admitted(id: string, headers: Headers): AdmittedRequest {
    return {
      requestId: id, startedAt: 1_000, arrivedAt: 0, provider, key: { row: { id: 'key_1' } }, org: { id: 'org_1' }, method: 'POST',
      path: '/v1/chat/completions', query: '', facts: { model: 'gpt-4o-mini', models: ['gpt-4o-mini'] }, headers, body: undefined,
    } as unknown as AdmittedRequest
  }

  test('the line is queued during the request and formatted and written later, many lines in one write', async () => {
    const out = captureSink()
    const writer = new LineWriter<AccessRecord>({ sink: out.sink, format: (r) => formatAccessLine(r, 'json'), flushIntervalMs: 20 })
    let clock = 1_000
    const log = new AccessLog({ write: (r) => writer.add(r), metered: false, providers, now: () => clock })
    const stage = log.stage()
    const handler = log.wrap(async (request) => {
      const id = `req_${request.headers.get('x-n')}`
      const result = stage.admit(admitted(id, request.headers)) as { observer: { onEnd: (o: unknown) => void } }
      clock += 5
      result.observer.onEnd({ endedBy: 'complete', status: 200, ttfbMs: 3, endedAt: clock })
      return new Response('ok', { headers: { 'x-sociaro-request-id': id } })
    })
    for (let n = 0; n < 10; n++) {
      await handler(new Request('http://gw/openai/v1/chat/completions', { method: 'POST', headers: { 'x-n': String(n) } }))
      // The exchange is over and the handler has returned: still nothing written.
      expect(out.writes).toHaveLength(0)
    }
    await until('the batch', () => (out.writes.length > 0 ? true : undefined))
    expect(out.writes).toHaveLength(1)
    expect(out.lines()).toHaveLength(10)
    expect(JSON.parse(out.lines()[0]!)).toMatchObject({ request_id: 'req_0', status: 200, duration_ms: 5, ttfb_ms: 3, key_id: 'key_1', cost_status: 'unmetered' })
  })

  test('a metered line waits for its settlement, and is written without it when none comes in time', async () => {
    const records: AccessRecord[] = []
    const log = new AccessLog({ write: (r) => records.push({ ...r }), metered: true, providers, settleTimeoutMs: 100 })
    const stage = log.stage()
    const run = log.wrap(async (request) => {
      const id = request.headers.get('x-id')!
      const result = stage.admit(admitted(id, request.headers)) as { observer: { onEnd: (o: unknown) => void } }
      result.observer.onEnd({ endedBy: 'complete', status: 200, ttfbMs: 1, endedAt: Date.now() })
      return new Response('ok', { headers: { 'x-sociaro-request-id': id } })
    })
    await run(new Request('http://gw/openai/v1/x', { headers: { 'x-id': 'req_settled' } }))
    await run(new Request('http://gw/openai/v1/x', { headers: { 'x-id': 'req_lost' } }))
    expect(records).toHaveLength(0)
    log.settled([{ requestId: 'req_settled', orgId: 'org_1', keyId: 'key_1', provider: 'openai', model: 'gpt-4o-mini-2024-07-18', costMicros: 42, costStatus: 'priced', inputTokens: 7, outputTokens: 8, startedAt: 1_000 }])
    expect(records).toMatchObject([{ requestId: 'req_settled', inputTokens: 7, outputTokens: 8, costMicros: 42, costStatus: 'priced', model: 'gpt-4o-mini-2024-07-18' }])
    await until('the fallback', () => (records.length === 2 ? true : undefined), 3_000)
    expect(records[1]).toMatchObject({ requestId: 'req_lost', costStatus: 'not_settled', inputTokens: null })
    // A late settlement does not write a second line.
    log.settled([{ requestId: 'req_lost', orgId: 'org_1', keyId: 'key_1', provider: 'openai', model: null, costMicros: 1, costStatus: 'priced', inputTokens: 1, outputTokens: 1, startedAt: 1_000 }])
    expect(records).toHaveLength(2)
    expect(log.pending).toBe(0)
  })

  test('a backed-up sink: records beyond the bound are dropped and counted, and writing resumes on drain', () => {
    let resume: (() => void) | undefined
    const texts: string[] = []
    let accept = false
    const sink: LineSink = { write: (text) => (texts.push(text), accept), onDrain: (r) => (resume = r) }
    const writer = new LineWriter<string>({ sink, format: (s) => `${s}\n`, maxQueued: 3 })
    writer.add('a')
    writer.flush()
    for (const s of ['b', 'c', 'd', 'e', 'f']) writer.add(s)
    writer.flush() // blocked: nothing handed over
    expect(texts).toEqual(['a\n'])
    expect(writer.dropped).toBe(2)
    accept = true
    resume!()
    expect(texts).toEqual(['a\n', 'b\nc\nd\n'])
  })
})
