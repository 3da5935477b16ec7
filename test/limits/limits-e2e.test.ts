// Budgets, rate limits and concurrency through the real gateway: each triggers at the right moment, in the provider's error shape.
import Anthropic from '@anthropic-ai/sdk'
import { createClient } from '@libsql/client'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { scriptedBody, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { fakeAnthropic } from '../support/provider-fakes.ts'
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../support/test-gateway.ts'
import { coreFor, GATEWAY_ORIGIN, type CoreSetup, type TestCore } from '../support/test-core.ts'
import { spendSince } from '../../src/limits/spend-source.ts'
import { queryRows, waitForUsageRow } from '../support/usage-rows.ts'

/** Every completion reports 10 input and 100 output tokens of "metered-model", priced by an override. */
const USAGE_JSON = JSON.stringify({
  id: 'c', object: 'chat.completion', model: 'metered-model', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 10, completion_tokens: 100, total_tokens: 110 },
})
// $1000 per million tokens both ways: 10 in + 100 out = 110,000 micro-USD = $0.11 per request.
const COST_MICROS = 110_000

let upstream: FakeUpstream
let anthropic: FakeUpstream
let slowResolvers: (() => void)[] = []

beforeAll(() => {
  upstream = startFakeUpstream(async (request) => {
    const test = request.headers.get('x-test')
    if (test === 'slow') await new Promise<void>((resolve) => slowResolvers.push(resolve))
    if (test === 'fail') return Response.json({ error: { message: 'upstream broke', type: 'server_error', param: null, code: null } }, { status: 500 })
    if (test === 'stream') {
      const steps = Array.from({ length: 100 }, (_, i) => ({ send: `data: {"choices":[{"index":0,"delta":{"content":"word${i} "}}]}\n\n`, wait: 30 }))
      return new Response(scriptedBody(steps), { headers: { 'content-type': 'text/event-stream' } })
    }
    return new Response(USAGE_JSON, { headers: { 'content-type': 'application/json' } })
  })
  anthropic = startFakeUpstream(fakeAnthropic)
})
afterAll(() => {
  upstream.stop()
  anthropic.stop()
})

async function gatewayWithPrice(options: Parameters<typeof startTestGateway>[0] = {}): Promise<TestGateway> {
  const gw = await startTestGateway({ upstreams: { openai: upstream.url, anthropic: anthropic.url }, env: { SOCIARO_METER_FLUSH_MS: '10' }, ...options })
  const price = await gw.admin('POST', '/prices', { provider: 'openai', model: 'metered-model', input_usd_per_mtok: 1000, output_usd_per_mtok: 1000 })
  // Answered once the metering worker prices with it: nothing to wait for.
  expect(price.status).toBe(201)
  return gw
}

/** The same pipeline in process: the core with its memory meter, which also stores rows (the SQL checks read them). */
async function coreWithPrice(setup: CoreSetup = {}): Promise<TestCore> {
  const t = await coreFor({ providers: { openai: upstream.url, anthropic: anthropic.url }, storeRows: true, ...setup })
  const price = await t.admin('POST', '/prices', { provider: 'openai', model: 'metered-model', input_usd_per_mtok: 1000, output_usd_per_mtok: 1000 })
  expect(price.status).toBe(201)
  return t
}

/** A gateway over HTTP or a core in process: where its requests go, and how to wait for a request's row. */
type Target = TestGateway | TestCore
const inProcess = (gw: Target): gw is TestCore => 'core' in gw
const send = (gw: Target, path: string, init: RequestInit) => (inProcess(gw) ? gw.fetch(path, init) : fetch(`${gw.url}${path}`, init))
/** An SDK client's base URL and fetch for `gw`. */
const sdkTarget = (gw: Target, path: string) => (inProcess(gw) ? { baseURL: `${GATEWAY_ORIGIN}${path}`, fetch: gw.fetch } : { baseURL: `${gw.url}${path}` })
const rowOf = (gw: Target, requestId: string) => (inProcess(gw) ? gw.meter.settledRow(requestId) : waitForUsageRow(gw.dbUrl, requestId))

function chat(gw: Target, key: string, headers: Record<string, string> = {}, body: Record<string, unknown> = {}, signal?: AbortSignal) {
  return send(gw, '/openai/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'metered-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100, ...body }),
    ...(signal ? { signal } : {}),
  })
}

async function settle(gw: Target, response: Response): Promise<void> {
  await response.arrayBuffer()
  if (response.status < 400 || response.headers.get('x-should-retry') === null) await rowOf(gw, response.headers.get('x-sociaro-request-id')!)
}

async function budgetOf(gw: Target, keyId: string) {
  const view = (await (await gw.admin('GET', `/keys/${keyId}`)).json()) as { budget: { spent_usd: number; reserved_usd: number; remaining_usd: number; limit_usd: number; soft_threshold_reached: boolean; period_start: string } | null }
  return view.budget!
}

/** Waits until every admitted request has settled (nothing reserved). */
async function settled(gw: Target, keyId: string) {
  const deadline = Date.now() + 8000
  for (;;) {
    const budget = await budgetOf(gw, keyId)
    if (budget.reserved_usd === 0 || Date.now() > deadline) return budget
    await Bun.sleep(50)
  }
}

function countingFetch(inner: typeof fetch = fetch) {
  const calls = { n: 0 }
  const wrapped = ((input: string | URL | Request, init?: RequestInit) => {
    calls.n++
    return inner(input, init)
  }) as typeof fetch
  return { fetch: wrapped, calls }
}

describe('rate limits', () => {
  let gw: TestCore
  beforeAll(async () => {
    gw = await coreWithPrice()
  })
  afterAll(() => gw.stop())

  test('requests per minute: the limit+1-th request gets a 429 with Retry-After, and our headers count down', async () => {
    const { key } = await gw.createKey({ rpm: 3 })
    const remaining: string[] = []
    for (let i = 0; i < 3; i++) {
      const response = await chat(gw, key)
      expect(response.status).toBe(200)
      expect(response.headers.get('x-sociaro-ratelimit-limit-requests')).toBe('3')
      remaining.push(response.headers.get('x-sociaro-ratelimit-remaining-requests')!)
      await response.arrayBuffer()
    }
    expect(remaining).toEqual(['2', '1', '0'])
    const limited = await chat(gw, key)
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(20)
    const body = (await limited.json()) as { error: { code: string; type: string } }
    expect(body.error.code).toBe('rate_limit_exceeded')
  })

  test('the official OpenAI SDK raises RateLimitError for a rate limit', async () => {
    const { key } = await gw.createKey({ rpm: 1 })
    const client = new OpenAI({ apiKey: key, ...sdkTarget(gw, '/openai/v1'), maxRetries: 0 })
    await client.chat.completions.create({ model: 'metered-model', messages: [{ role: 'user', content: 'hi' }] })
    const error = await client.chat.completions.create({ model: 'metered-model', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e)
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
    expect(error.status).toBe(429)
  })

  test('the official Anthropic SDK raises RateLimitError for a rate limit', async () => {
    const { key } = await gw.createKey({ rpm: 1 })
    const client = new Anthropic({ apiKey: key, ...sdkTarget(gw, '/anthropic'), maxRetries: 0 })
    await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
    const error = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e)
    expect(error).toBeInstanceOf(Anthropic.RateLimitError)
    expect(error.error.error.type).toBe('rate_limit_error')
  })

  test('tokens per minute: a request whose reservation does not fit is refused', async () => {
    const { key } = await gw.createKey({ tpm: 300 })
    // Each request reserves its input estimate plus max_tokens 100; the actual 110 tokens replace it on settlement.
    const first = await chat(gw, key)
    expect(first.status).toBe(200)
    expect(first.headers.get('x-sociaro-ratelimit-limit-tokens')).toBe('300')
    await settle(gw, first)
    const second = await chat(gw, key)
    expect(second.status).toBe(200)
    await settle(gw, second)
    const third = await chat(gw, key, {}, { max_tokens: 150 })
    expect(third.status).toBe(429)
    expect((await third.json()) as object).toMatchObject({ error: { code: 'rate_limit_exceeded' } })
  })

  test('concurrent requests in flight are capped per key, and freed when they end', async () => {
    const { key } = await gw.createKey({ max_concurrency: 2 })
    const a = chat(gw, key, { 'x-test': 'slow' })
    const b = chat(gw, key, { 'x-test': 'slow' })
    while (slowResolvers.length < 2) await Bun.sleep(10)
    const c = await chat(gw, key)
    expect(c.status).toBe(429)
    await c.arrayBuffer()
    for (const resolve of slowResolvers.splice(0)) resolve()
    expect((await a).status).toBe(200)
    expect((await b).status).toBe(200)
    const d = await chat(gw, key)
    expect(d.status).toBe(200)
    await d.arrayBuffer()
  })
})

describe('budgets', () => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await gatewayWithPrice()
  })
  afterAll(() => gw.stop())

  test('a key budget stops requests once spent, as insufficient_quota that the SDKs do not retry', async () => {
    const { key, id } = await gw.createKey({ budget_usd: 0.3, budget_period: 'month', budget_soft_percent: 50 })
    for (let i = 0; i < 3; i++) {
      const response = await chat(gw, key)
      expect(response.status).toBe(200)
      await settle(gw, response)
    }
    const budget = await settled(gw, id)
    expect(budget.spent_usd).toBeCloseTo(0.33, 6)
    expect(budget.soft_threshold_reached).toBe(true)

    const refused = await chat(gw, key)
    expect(refused.status).toBe(429)
    expect(refused.headers.get('x-should-retry')).toBe('false')
    const body = (await refused.json()) as { error: { type: string; code: string; message: string } }
    expect(body.error).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota' })
    expect(body.error.message).toContain('gateway key')
    expect(body.error.message).not.toContain('0.3')

    const counting = countingFetch()
    const client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/openai/v1`, maxRetries: 2, fetch: counting.fetch })
    const error = await client.chat.completions.create({ model: 'metered-model', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e)
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
    expect(error.code).toBe('insufficient_quota')
    expect(counting.calls.n).toBe(1)
  })

  test('an org budget covers every key of the org, named as the org, and Anthropic does not retry it either', async () => {
    const org = (await (await gw.admin('POST', '/orgs', { name: 'budget-org', budget_usd: 0.1, budget_period: 'day' })).json()) as { id: string }
    const one = (await (await gw.admin('POST', '/keys', { org: 'budget-org' })).json()) as { key: string }
    const two = (await (await gw.admin('POST', '/keys', { org: 'budget-org' })).json()) as { key: string }
    const first = await chat(gw, one.key)
    expect(first.status).toBe(200)
    await settle(gw, first)
    const refused = await chat(gw, two.key)
    expect(refused.status).toBe(429)
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('organization')
    const counting = countingFetch()
    const client = new Anthropic({ apiKey: two.key, baseURL: `${gw.url}/anthropic`, maxRetries: 2, fetch: counting.fetch })
    const error = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e)
    expect(error).toBeInstanceOf(Anthropic.RateLimitError)
    expect(counting.calls.n).toBe(1)
    const view = (await (await gw.admin('GET', `/orgs/${org.id}`)).json()) as { budget: { spent_usd: number } }
    expect(view.budget.spent_usd).toBeCloseTo(0.11, 6)
  })

  test("moving an org to another time zone keeps a total budget's spend (same window, nothing to reset)", async () => {
    const org = (await (await gw.admin('POST', '/orgs', { name: 'tz-move', budget_usd: 10, budget_period: 'total' })).json()) as { id: string }
    const { key } = (await (await gw.admin('POST', '/keys', { org: 'tz-move' })).json()) as { key: string }
    await settle(gw, await chat(gw, key))
    const spentOf = async () => ((await (await gw.admin('GET', `/orgs/${org.id}`)).json()) as { budget: { spent_usd: number } }).budget.spent_usd
    expect(await spentOf()).toBeCloseTo(0.11, 6)
    expect((await gw.admin('PATCH', `/orgs/${org.id}`, { time_zone: 'Europe/London' })).status).toBe(200)
    await Bun.sleep(50) // the spend re-read after a reconfiguration is asynchronous
    expect(await spentOf()).toBeCloseTo(0.11, 6)
  })

  test('50 concurrent requests against a nearly spent budget overshoot by at most one reservation', async () => {
    const { key, id } = await gw.createKey({ budget_usd: 1, budget_period: 'total' })
    for (let i = 0; i < 8; i++) await settle(gw, await chat(gw, key)) // $0.88 spent
    expect((await settled(gw, id)).spent_usd).toBeCloseTo(0.88, 6)
    const responses = await Promise.all(Array.from({ length: 50 }, () => chat(gw, key)))
    const admitted = responses.filter((r) => r.status === 200).length
    await Promise.all(responses.map((r) => r.arrayBuffer()))
    // Admission needs spent + reserved < limit: $0.88 + one $0.125 reservation already reaches $1, so exactly one gets in.
    expect(admitted).toBe(1)
    const after = await settled(gw, id)
    // One request reserves at most its input estimate plus max_tokens (100) at $1000/M: well under $0.2.
    expect(after.spent_usd).toBeLessThanOrEqual(1 + 0.2)
    expect(after.spent_usd).toBeCloseTo(0.88 + admitted * 0.11, 6)
    const rows = await queryRows(gw.dbUrl, 'SELECT SUM(cost_micros) AS spent FROM usage_events WHERE key_id = ?', [id])
    expect(Number(rows[0]!.spent)).toBe((8 + admitted) * COST_MICROS)
  })

  test('a budget held by a request in flight refuses with a retriable 429, admitted again once that request settles', async () => {
    const { key, id } = await gw.createKey({ budget_usd: 1, budget_period: 'month' })
    // max_tokens 2000 at $1000/M may cost $2: its reservation alone fills the $1 budget while it runs.
    const running = chat(gw, key, { 'x-test': 'slow' }, { max_tokens: 2000 })
    while (slowResolvers.length < 1) await Bun.sleep(10)
    const held = await chat(gw, key)
    expect(held.status).toBe(429)
    expect(held.headers.get('x-should-retry')).toBeNull()
    expect(held.headers.get('retry-after')).toBe('1')
    expect(((await held.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'rate_limit_exceeded', message: expect.stringContaining('in flight') })
    for (const resolve of slowResolvers.splice(0)) resolve()
    await settle(gw, await running)
    expect((await settled(gw, id)).spent_usd).toBeCloseTo(0.11, 6)
    const retried = await chat(gw, key)
    expect(retried.status).toBe(200)
    await settle(gw, retried)
  }, 30_000)

  test('a listing or a token count in flight holds no budget: it produces no output', async () => {
    const { key } = await gw.createKey({ budget_usd: 1, budget_period: 'month' })
    const listing = fetch(`${gw.url}/openai/v1/models`, { headers: { authorization: `Bearer ${key}`, 'x-test': 'slow' } })
    while (slowResolvers.length < 1) await Bun.sleep(10)
    const chatting = await chat(gw, key)
    expect(chatting.status).toBe(200)
    await settle(gw, chatting)
    for (const resolve of slowResolvers.splice(0)) resolve()
    await (await listing).arrayBuffer()
  }, 30_000)

  test('an upstream error releases its reservation; an aborted stream pays for what arrived', async () => {
    const { key, id } = await gw.createKey({ budget_usd: 5, budget_period: 'month' })
    const failed = await chat(gw, key, { 'x-test': 'fail' })
    expect(failed.status).toBe(500)
    await failed.arrayBuffer()
    await waitForUsageRow(gw.dbUrl, failed.headers.get('x-sociaro-request-id')!)
    let budget = await settled(gw, id)
    expect(budget.spent_usd).toBe(0)
    expect(budget.reserved_usd).toBe(0)

    const controller = new AbortController()
    const streaming = await chat(gw, key, { 'x-test': 'stream' }, { stream: true }, controller.signal)
    const reader = streaming.body!.getReader()
    for (let i = 0; i < 5; i++) await reader.read()
    controller.abort()
    const row = await waitForUsageRow(gw.dbUrl, streaming.headers.get('x-sociaro-request-id')!)
    expect(row.ended_by).toBe('client_abort')
    budget = await settled(gw, id)
    expect(budget.reserved_usd).toBe(0)
    expect(budget.spent_usd).toBeGreaterThan(0)
    expect(budget.spent_usd * 1_000_000).toBeCloseTo(Number(row.cost_micros), 0)
  })
})

describe('a model nobody prices', () => {
  test('is charged at its provider\'s highest rates, so unpriced traffic cannot run past a budget; its row stays unpriced', async () => {
    // No price override here: "metered-model" is unknown to every price source.
    const gw = await startTestGateway({ upstreams: { openai: upstream.url }, env: { SOCIARO_METER_FLUSH_MS: '10' } })
    try {
      const { key, id } = await gw.createKey({ budget_usd: 0.1, budget_period: 'month' })
      const first = await chat(gw, key)
      expect(first.status).toBe(200)
      await settle(gw, first)
      const row = await waitForUsageRow(gw.dbUrl, first.headers.get('x-sociaro-request-id')!)
      expect([row.cost_status, row.cost_micros]).toEqual(['unpriced', null])
      // 10 input and 100 output tokens at OpenAI's dearest listed rates ($150/M in, $600/M out, o1-pro).
      expect((await settled(gw, id)).spent_usd).toBeCloseTo((10 * 150 + 100 * 600) / 1_000_000, 6)
      await settle(gw, await chat(gw, key))
      const live = await settled(gw, id)
      const refused = await chat(gw, key)
      expect(refused.status).toBe(429)
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('insufficient_quota')
      // What a restart (or another instance) rebuilds from the database is what the live ledger charged.
      const client = createClient({ url: gw.dbUrl })
      try {
        const start = Date.parse(live.period_start)
        expect(await spendSince(client)({ kind: 'key', id }, start)).toBe(Math.round(live.spent_usd * 1_000_000))
        expect(await spendSince(client)({ kind: 'key', id }, 0)).toBe(Math.round(live.spent_usd * 1_000_000))
      } finally {
        client.close()
      }
    } finally {
      await gw.stop()
    }
  }, 30_000)
})

describe('periods and restarts', () => {
  test('a daily budget turns over at midnight in the org time zone (injected clock)', async () => {
    // 2026-03-10 03:30 UTC is 23:30 on March 9 in New York (EDT, UTC-4, since March 8).
    let now = Date.parse('2026-03-10T03:30:00Z')
    const gw = await gatewayWithPrice({ now: () => now })
    try {
      await gw.admin('POST', '/orgs', { name: 'ny', time_zone: 'America/New_York' })
      const { key, id } = (await (await gw.admin('POST', '/keys', { org: 'ny', budget_usd: 0.1, budget_period: 'day' })).json()) as { key: string; id: string }
      await settle(gw, await chat(gw, key))
      expect((await chat(gw, key)).status).toBe(429)
      now = Date.parse('2026-03-10T03:59:00Z') // 23:59 in New York: same day, though UTC says March 10 already
      expect((await chat(gw, key)).status).toBe(429)
      now = Date.parse('2026-03-10T04:00:30Z') // 00:00:30 on March 10 in New York
      const next = await chat(gw, key)
      expect(next.status).toBe(200)
      await settle(gw, next)
      const budget = await settled(gw, id)
      expect(budget.period_start).toBe('2026-03-10T04:00:00.000Z')
      expect(budget.spent_usd).toBeCloseTo(0.11, 6)
    } finally {
      await gw.stop()
    }
  })

  test('current-period spend is rebuilt from the database after a restart', async () => {
    const first = await gatewayWithPrice()
    const { key, id } = await first.createKey({ budget_usd: 0.2, budget_period: 'month' })
    await settle(first, await chat(first, key))
    await settle(first, await chat(first, key))
    await first.gateway.stop(2000)
    // A second process on the same database file.
    const { loadConfig } = await import('../../src/config.ts')
    const { startGateway } = await import('../../src/gateway.ts')
    const { silentLogger } = await import('../../src/log.ts')
    const second = await startGateway(
      loadConfig({
        SOCIARO_PORT: '0',
        SOCIARO_DATABASE_URL: first.dbUrl,
        SOCIARO_ADMIN_TOKEN: ADMIN_TOKEN,
        SOCIARO_SECRET_KEY: 'test-secret-key-0123456789-abcdefghijklmnop',
        SOCIARO_OPENAI_BASE_URL: upstream.url,
        SOCIARO_OPENAI_API_KEY: 'sk-x',
      }),
      { log: silentLogger },
    )
    try {
      const view = (await (await fetch(`${second.url}/admin/v1/keys/${id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { budget: { spent_usd: number } }
      expect(view.budget.spent_usd).toBeCloseTo(0.22, 6)
      const refused = await fetch(`${second.url}/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'metered-model', messages: [] }),
      })
      expect(refused.status).toBe(429)
    } finally {
      await second.stop(2000)
      // first.gateway was stopped by hand above; stop() also removes the test's database directory.
      await first.stop()
    }
  })
})

describe('the overshoot bound against 100 concurrent requests, whatever the request lets the gateway read', () => {
  // Every answer is 10 input and 5000 output tokens from a model genai-prices prices, whatever the request named.
  const OUTPUT_TOKENS = 5000
  // gpt-4o-mini: $0.15/M in, $0.60/M out; gemini-2.5-flash: $0.30/M in, $2.50/M out (genai-prices).
  const GPT_4O_MINI_MICROS = Math.round(10 * 0.15 + OUTPUT_TOKENS * 0.6)
  const GEMINI_FLASH_MICROS = Math.round(10 * 0.3 + OUTPUT_TOKENS * 2.5)
  const LIMIT_USD = 0.01
  const LIMIT_MICROS = 10_000

  let long: FakeUpstream
  let gw: TestCore
  beforeAll(async () => {
    long = startFakeUpstream((request) => {
      if (request.path.includes('/models/') || request.path.endsWith('/interactions')) {
        return Response.json({
          candidates: [{ content: { parts: [{ text: 'long' }], role: 'model' }, finishReason: 'STOP' }],
          usageMetadata: { promptTokenCount: 10, candidatesTokenCount: OUTPUT_TOKENS, totalTokenCount: 10 + OUTPUT_TOKENS },
          modelVersion: 'gemini-2.5-flash',
        })
      }
      return Response.json({
        id: 'c', object: 'chat.completion', model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'long' }, finish_reason: 'length' }],
        usage: { prompt_tokens: 10, completion_tokens: OUTPUT_TOKENS, total_tokens: 10 + OUTPUT_TOKENS },
      })
    })
    // In process, rows also stored: 100 requests at once without a socket, the spend checked in SQL as before.
    gw = await coreFor({ providers: { openai: long.url, gemini: long.url }, storeRows: true })
  })
  afterAll(async () => {
    await gw.stop()
    long.stop()
  })

  /**
   * Fires 100 requests at once against a fresh $0.01 total budget and checks the bound the ledger proves: the
   * final spend stays below limit + the cost of one request (the last one admitted). Returns what was admitted.
   */
  async function burst(send: (key: string) => Promise<Response>, perRequestMicros: number) {
    const { key, id } = await gw.createKey({ budget_usd: LIMIT_USD, budget_period: 'total' })
    const responses = await Promise.all(Array.from({ length: 100 }, () => send(key)))
    const bodies = await Promise.all(responses.map((r) => r.text()))
    const admitted = responses.filter((r) => r.status === 200).length
    expect(admitted).toBeGreaterThanOrEqual(1)
    responses.forEach((r, i) => {
      if (r.status === 200) return
      expect(r.status).toBe(429)
      // Held by requests in flight (retriable) or exhausted (final): both in the provider's own error shape.
      expect(bodies[i]).toMatch(/rate_limit_exceeded|insufficient_quota|RESOURCE_EXHAUSTED/)
    })
    // Every admitted request's usage row is written, then its settlement reaches the ledger.
    for (const r of responses) if (r.status === 200) await rowOf(gw, r.headers.get('x-sociaro-request-id')!)
    const rows = await queryRows(gw.dbUrl, 'SELECT COUNT(*) AS n, SUM(cost_micros) AS spent FROM usage_events WHERE key_id = ? AND status = 200', [id])
    expect(Number(rows[0]!.n)).toBe(admitted)
    const spent = Number(rows[0]!.spent)
    // Settlement charged the actual priced cost of every admitted request.
    expect(spent).toBe(admitted * perRequestMicros)
    // The bound: below the limit plus one request's cost.
    expect(spent).toBeLessThan(LIMIT_MICROS + perRequestMicros)
    const deadline = Date.now() + 8000
    let after = await budgetOf(gw, id)
    while ((after.reserved_usd !== 0 || Math.round(after.spent_usd * 1_000_000) !== spent) && Date.now() < deadline) {
      await Bun.sleep(50)
      after = await budgetOf(gw, id)
    }
    expect(after.reserved_usd).toBe(0)
    expect(Math.round(after.spent_usd * 1_000_000)).toBe(spent)
    // Refusals while the reservations were held are retriable; once settled past the limit the budget is exhausted
    // for good and the SDKs are told not to retry; below it, a request after the burst is admitted again.
    const late = await send(key)
    await late.arrayBuffer()
    const exhausted = spent >= LIMIT_MICROS
    expect(late.status).toBe(exhausted ? 429 : 200)
    if (exhausted) expect(late.headers.get('x-should-retry')).toBe('false')
    return admitted
  }

  const openaiChat = (body: Record<string, unknown>) => (key: string) =>
    send(gw, '/openai/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'write at length' }], ...body }),
    })

  test('max_tokens 5000 answered with 5000 tokens: the whole max_tokens is reserved, not the typical 1024', async () => {
    const admitted = await burst(openaiChat({ model: 'gpt-4o-mini', max_tokens: OUTPUT_TOKENS }), GPT_4O_MINI_MICROS)
    // Each reservation is about one request's cost ($0.003), so about four fit under $0.01; the old reservation let 17 in.
    expect(admitted).toBeLessThanOrEqual(4)
  }, 30_000)

  test('an unknown dated model id answered by a priced model reserves at the provider\'s dearest rates, not $0', async () => {
    await burst(openaiChat({ model: 'gpt-4o-mini-2099-01-01' }), GPT_4O_MINI_MICROS)
  }, 30_000)

  test('a Gemini request whose model the gateway cannot read, answered by a priced model, still reserves', async () => {
    // An interaction run by a stored agent names no model (a key allowed every Gemini model may send it); the agent
    // runs gemini-2.5-flash. (The base code's case, an encoded ':' hiding the path model, is now refused outright.)
    await burst(
      (key) =>
        send(gw, '/gemini/v1beta/interactions', {
          method: 'POST',
          headers: { 'x-goog-api-key': key, 'content-type': 'application/json' },
          body: JSON.stringify({ agent: 'agents/writer', contents: [{ role: 'user', parts: [{ text: 'write at length' }] }] }),
        }),
      GEMINI_FLASH_MICROS,
    )
  }, 30_000)
})
