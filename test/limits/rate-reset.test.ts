// The tokens-per-minute reset header past 60 s: a key in debt (the provider counted more than was reserved), said so in the 429.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { runCli } from '../support/spawn-cli.ts'
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts'
import { waitForUsageRow } from '../support/usage-rows.ts'

/** Every completion reports 110 tokens, more than the 100-token-per-minute key below ever reserves for one. */
const USAGE_JSON = JSON.stringify({
  id: 'c', object: 'chat.completion', model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 10, completion_tokens: 100, total_tokens: 110 },
})

let upstream: FakeUpstream
let gw: TestGateway
// A stopped clock: the bucket does not drain between requests, so the figures are exact.
const frozen = Date.now()

beforeAll(async () => {
  upstream = startFakeUpstream(() => new Response(USAGE_JSON, { headers: { 'content-type': 'application/json' } }))
  gw = await startTestGateway({ upstreams: { openai: upstream.url }, env: { SOCIARO_METER_FLUSH_MS: '10' }, now: () => frozen })
})
afterAll(async () => {
  await gw.stop()
  upstream.stop()
})

const chat = (key: string) =>
  fetch(`${gw.url}/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 20 }),
  })

const seconds = (header: string | null) => Number(header!.replace(/s$/, ''))

test('after over-drawing the window, the 429 explains why reset exceeds a minute, with the header\'s own figure', async () => {
  const { key } = await gw.createKey({ tpm: 100 })
  const first = await chat(key)
  expect(first.status).toBe(200)
  expect(seconds(first.headers.get('x-sociaro-ratelimit-reset-tokens'))).toBeLessThanOrEqual(60)
  await first.arrayBuffer()
  await waitForUsageRow(gw.dbUrl, first.headers.get('x-sociaro-request-id')!)
  // Settlement reaches the limiter just after the row is written: retry until the 110 tokens are charged.
  let refused: Response | undefined
  for (let i = 0; i < 50 && !refused; i++) {
    const response = await chat(key)
    if (response.status === 429) refused = response
    else {
      await response.arrayBuffer()
      await Bun.sleep(50)
    }
  }
  expect(refused).toBeDefined()
  const reset = seconds(refused!.headers.get('x-sociaro-ratelimit-reset-tokens'))
  expect(reset).toBeGreaterThan(60) // 110+ tokens used of 100 per minute: full again only after 66 s or more
  expect(refused!.headers.get('x-sociaro-ratelimit-remaining-tokens')).toBe('0')
  const retryAfter = Number(refused!.headers.get('retry-after'))
  expect(retryAfter).toBeLessThan(reset)
  const body = (await refused!.json()) as { error: { message: string; code: string } }
  expect(body.error.code).toBe('rate_limit_exceeded')
  expect(body.error.message).toContain('100 tokens per minute')
  expect(body.error.message).toContain(`full again only in ${reset}s`)
  expect(body.error.message).toContain('reset header')
}, 30_000)

test('an ordinary 429 (no debt) keeps the short message', async () => {
  const { key } = await gw.createKey({ rpm: 1 })
  await (await chat(key)).arrayBuffer()
  const refused = await chat(key)
  expect(refused.status).toBe(429)
  expect(seconds(refused.headers.get('x-sociaro-ratelimit-reset-requests'))).toBeLessThanOrEqual(60)
  expect(((await refused.json()) as { error: { message: string } }).error.message).toBe('Rate limit reached for this gateway key: 1 requests per minute.')
}, 30_000)

test('keys --help says what the reset header means and why it can pass 60 s', async () => {
  const help = (await runCli(['keys', '--help'], {})).stdout
  expect(help).toContain('x-sociaro-ratelimit-{limit,remaining,reset}-{requests,tokens}')
  expect(help).toContain('reset can exceed 60 s')
}, 30_000)
