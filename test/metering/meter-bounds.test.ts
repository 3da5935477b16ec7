// End to end: hostile inputs cost the meter bounded time and memory; their rows are written promptly and hold no one else's back.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import * as zlib from 'node:zlib'
import { sha256, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeOpenAI, OPENAI_CHAT_SSE_EVENTS } from '../support/provider-fakes.ts'
import { startServedGateway } from '../support/spawn-cli.ts'
import { startTestGateway, UPSTREAM_SECRET, type TestGateway } from '../support/test-gateway.ts'
import { queryRows, waitForUsageRow } from '../support/usage-rows.ts'

const MiB = 1024 * 1024
/** What OpenAI streams when the request has no stream_options.include_usage: no usage chunk. */
const PLAIN_EVENTS = OPENAI_CHAT_SSE_EVENTS.filter((e) => !e.includes('"choices":[]'))
/** A completion that is one 300,000-character word, in 1,000-character deltas. */
const LONG_WORD_EVENTS = [
  ...Array.from({ length: 300 }, () => `data: {"id":"c","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"${'b'.repeat(1000)}"}}]}\n\n`),
  'data: [DONE]\n\n',
]
/** 1 GiB of zeros: 16 gzip members of 64 MiB (gunzip reads them all), about 1 MiB on the wire. */
const GZIP_BOMB = (() => {
  const member = zlib.gzipSync(new Uint8Array(64 * MiB))
  return Buffer.concat(Array.from({ length: 16 }, () => member))
})()
/** 1 GiB of zeros in under 2 KB of brotli, compressed as a stream (the zeros are never in memory at once). */
async function brotliBomb(): Promise<Uint8Array> {
  const encoder = zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 2 } })
  const out: Buffer[] = []
  encoder.on('data', (chunk: Buffer) => out.push(chunk))
  const ended = new Promise((resolve) => encoder.on('end', resolve))
  const zeros = new Uint8Array(16 * MiB)
  for (let i = 0; i < 64; i++) if (!encoder.write(zeros)) await new Promise((resolve) => encoder.once('drain', resolve))
  encoder.end()
  await ended
  return Buffer.concat(out)
}

const sseResponse = (events: string[]) => new Response(events.join(''), { headers: { 'content-type': 'text/event-stream' } })

function upstreamHandler(bombs: { br: Uint8Array; gzip: Uint8Array }) {
  return startFakeUpstream((request) => {
    const test = request.headers.get('x-test')
    if (test === 'long-completion') return sseResponse(LONG_WORD_EVENTS)
    if (test === 'br-bomb' || test === 'gzip-bomb') {
      const coding = test === 'br-bomb' ? 'br' : 'gzip'
      return new Response(bombs[coding], { headers: { 'content-type': 'application/json', 'content-encoding': coding } })
    }
    if (new TextDecoder().decode(request.body).includes('"stream":true')) return sseResponse(PLAIN_EVENTS)
    return fakeOpenAI(request)
  })
}

let upstream: FakeUpstream
let gw: TestGateway
let bombs: { br: Uint8Array; gzip: Uint8Array }

beforeAll(async () => {
  bombs = { br: await brotliBomb(), gzip: GZIP_BOMB }
  upstream = upstreamHandler(bombs)
  gw = await startTestGateway({ upstreams: { openai: upstream.url }, env: { SOCIARO_METER_FLUSH_MS: '20' } })
  // The worker loads the tokenizer after it starts (about a second): one estimated row first, so timings below are the meter's own.
  await waitForUsageRow(gw.dbUrl, (await chat(gw.key, { stream: true })).requestId, 10_000)
})

afterAll(async () => {
  await gw.stop()
  upstream.stop()
})

async function chat(key: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(`${gw.url}/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...body }),
    decompress: false,
  } as RequestInit)
  const bytes = new Uint8Array(await response.arrayBuffer())
  expect(response.status).toBe(200)
  return { bytes, requestId: response.headers.get('x-sociaro-request-id')! }
}

describe('token estimation on pathological text', () => {
  test('a one-word 200,000-character prompt and a one-word 300,000-character completion are metered at once, and other orgs\' rows are not held back', async () => {
    expect((await gw.admin('POST', '/orgs', { name: 'bystander' })).status).toBe(201)
    const bystander = await gw.createKey({ org: 'bystander' })
    const started = Date.now()
    const longPrompt = await chat(gw.key, { stream: true, messages: [{ role: 'user', content: 'a'.repeat(200_000) }] })
    const longCompletion = await chat(gw.key, { stream: true }, { 'x-test': 'long-completion' })
    // Other orgs' requests right behind them, streamed and not.
    const others = await Promise.all(Array.from({ length: 20 }, (_, i) => chat(bystander.key, { stream: i % 2 === 0 })))

    // Generous: the fixed meter writes these in well under a second; the quadratic tokenizer took about 50 s on the prompt alone.
    const rows = await Promise.all([longPrompt, longCompletion, ...others].map((r) => waitForUsageRow(gw.dbUrl, r.requestId, 10_000)))
    expect(Date.now() - started).toBeLessThan(5_000)

    const [prompt, completion] = rows
    // The tokenizer's own count, scaled from a sample it handles quickly (a run of one letter tokenizes uniformly).
    const scaled = (letter: string, length: number) => (countTokens(letter.repeat(4_800)) / 4_800) * length
    expect(prompt).toMatchObject({ cost_status: 'estimated', usage_source: 'estimated' })
    expect(Number(prompt!.input_tokens) / (scaled('a', 200_000) + 4)).toBeCloseTo(1, 1)
    expect(String(prompt!.cost_detail)).toContain('token estimate approximated')
    expect(completion).toMatchObject({ cost_status: 'estimated', usage_source: 'estimated' })
    expect(Number(completion!.output_tokens) / scaled('b', 300_000)).toBeCloseTo(1, 1)
    expect(Number(completion!.cost_micros)).toBeGreaterThan(0)
    for (const row of rows.slice(2)) expect(['priced', 'estimated']).toContain(String(row.cost_status))
  }, 30_000)
})

describe('decompression bombs from the upstream', () => {
  for (const coding of ['br', 'gzip'] as const) {
    test(`a ${coding} body that inflates to 1 GiB passes through untouched, costs the meter bounded memory, and is stored unpriced saying why`, async () => {
      let peak = 0
      const base = process.memoryUsage().rss
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss - base)), 5)
      try {
        const { bytes, requestId } = await chat(gw.key, {}, { 'x-test': `${coding}-bomb`, 'accept-encoding': coding })
        expect(sha256(bytes)).toBe(sha256(bombs[coding]))
        const row = await waitForUsageRow(gw.dbUrl, requestId, 10_000)
        // Never $0: a billable success whose usage the meter could not read is unpriced, and the detail says why.
        expect(row).toMatchObject({ status: 200, cost_status: 'unpriced', cost_micros: null, usage_source: 'none' })
        expect(String(row.cost_detail)).toContain('the response inflates to more than')
      } finally {
        clearInterval(sampler)
      }
      // Generous: the meter keeps a 4 MiB window; inflating the whole body took gigabytes.
      expect(peak).toBeLessThan(256 * MiB)
    }, 30_000)
  }
})

test('SIGTERM with a pathological prompt in a burst: the server exits promptly and every row is written', async () => {
  const server = await startServedGateway('bounded-drain', {
    SOCIARO_OPENAI_BASE_URL: upstream.url,
    SOCIARO_OPENAI_API_KEY: UPSTREAM_SECRET,
    SOCIARO_METER_FLUSH_MS: '60000',
    SOCIARO_METER_FLUSH_ROWS: '10000',
  })
  try {
    const send = (content: string) =>
      fetch(`${server.url}/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], stream: true }),
      }).then(async (r) => {
        await r.arrayBuffer()
        return r.status
      })
    const statuses = await Promise.all([send('a'.repeat(200_000)), ...Array.from({ length: 200 }, (_, i) => send(`request ${i}`))])
    expect(statuses.every((s) => s === 200)).toBe(true)
    const signalled = Date.now()
    server.child.kill('SIGTERM')
    expect(await server.child.exited).toBe(0)
    // Generous: the drain takes well under a second; the stuck worker used to run into the 30 s shutdown limit.
    expect(Date.now() - signalled).toBeLessThan(15_000)
    const rows = await queryRows(server.dbUrl, "SELECT COUNT(*) AS n, SUM(CASE WHEN cost_status = 'estimated' THEN 1 ELSE 0 END) AS estimated FROM usage_events")
    expect({ n: Number(rows[0]!.n), estimated: Number(rows[0]!.estimated) }).toEqual({ n: 201, estimated: 201 })
  } finally {
    server.child.kill('SIGKILL')
    server.remove()
  }
}, 60_000)
