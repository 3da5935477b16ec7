// TPM and async jobs: a batch submit takes nothing of the key's tokens-per-minute window, its settled tokens are not charged to it (nor to the key's typical output), and they show in the token metrics.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startFakeUpstream, type FakeUpstream, type RecordedRequest } from '../support/fake-upstream.ts'
import { coreFor, type TestCore } from '../support/test-core.ts'
import { queryRows } from '../support/usage-rows.ts'
import { waitFor } from '../support/wait-for.ts'

const MODEL = 'claude-sonnet-4-5'
const TPM = 5_000
const polls = new Map<string, number>()
let counter = 0

/** Batches end on their second poll with two succeeded lines of 20,000 input and 40,000 output tokens each. */
function handler(request: RecordedRequest): Response {
  const { method, path } = request
  let match: RegExpExecArray | null
  if (method === 'POST' && path === '/v1/messages') {
    return Response.json({ id: `msg_${++counter}`, type: 'message', role: 'assistant', model: MODEL, content: [{ type: 'text', text: 'hi' }], stop_reason: 'end_turn', usage: { input_tokens: 2_000, output_tokens: 10 } })
  }
  if (method === 'POST' && path === '/v1/messages/batches') {
    const id = `msgbatch_tpm_${++counter}`
    polls.set(id, 0)
    return Response.json({ id, type: 'message_batch', processing_status: 'in_progress', request_counts: { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 } })
  }
  if (method === 'GET' && (match = /^\/v1\/messages\/batches\/([^/]+)$/.exec(path))) {
    const id = match[1]!
    const n = (polls.get(id) ?? 0) + 1
    polls.set(id, n)
    const ended = n >= 2
    return Response.json({ id, type: 'message_batch', processing_status: ended ? 'ended' : 'in_progress', request_counts: ended ? { processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 } : { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 } })
  }
  if (method === 'GET' && /^\/v1\/messages\/batches\/[^/]+\/results$/.test(path)) {
    const ok = (id: string) => JSON.stringify({ custom_id: id, result: { type: 'succeeded', message: { id: `msg_${id}`, type: 'message', model: MODEL, usage: { input_tokens: 20_000, output_tokens: 40_000 } } } })
    return new Response(`${ok('a')}\n${ok('b')}\n`, { headers: { 'content-type': 'application/binary' } })
  }
  return Response.json({ type: 'error', error: { type: 'not_found_error', message: `${method} ${path}` } }, { status: 404 })
}

let upstream: FakeUpstream
let gw: TestCore

beforeAll(async () => {
  upstream = startFakeUpstream(handler)
  gw = await coreFor({ providers: { anthropic: upstream.url }, storeRows: true, config: { jobs: { poller: true, pollIntervalMs: 40, pollMaxIntervalMs: 160 } } })
})
afterAll(async () => {
  await gw?.stop()
  upstream?.stop()
})

const headers = (key: string) => ({ 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' })
/** A prompt of about `tokens` tokens by the gateway's estimate (body bytes / 4). */
const prompt = (tokens: number) => 'x'.repeat(tokens * 4)
const message = (key: string, body: Record<string, unknown>) => gw.fetch('/anthropic/v1/messages', { method: 'POST', headers: headers(key), body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hello' }], ...body }) })
const batch = (key: string, promptTokens: number) =>
  gw.fetch('/anthropic/v1/messages/batches', {
    method: 'POST',
    headers: headers(key),
    body: JSON.stringify({ requests: ['a', 'b'].map((id) => ({ custom_id: id, params: { model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: prompt(promptTokens) }] } })) }),
  })
const remaining = (response: Response) => Number(response.headers.get('x-sociaro-ratelimit-remaining-tokens'))

async function metric(name: string, labels: string): Promise<number> {
  const text = await (await gw.fetch('/metrics')).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`))
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0
}

test('a batch submit larger than what is left of the window is admitted, and its settled 120,000 tokens take nothing of the key\'s TPM window', async () => {
  const { key } = await gw.createKey({ tpm: TPM })
  // One interactive request uses 2,010 tokens (its window refills in about 24 s).
  const first = await message(key, { max_tokens: 50 })
  expect(first.status).toBe(200)
  await gw.meter.idle()
  // A request as large as the window now waits for the window to refill; a batch submit of that size does not.
  const interactive = await message(key, { max_tokens: 100, messages: [{ role: 'user', content: prompt(2 * TPM) }] })
  expect(interactive.status).toBe(429)
  const inputBefore = await metric('sociaro_tokens_total', `provider="anthropic",model="${MODEL}",direction="input"`)

  const submitted = await batch(key, 2 * TPM)
  expect(submitted.status).toBe(200)
  const { id } = (await submitted.json()) as { id: string }
  const job = await waitFor('batch settled', async () => (await queryRows(gw.dbUrl, 'SELECT * FROM jobs WHERE provider_job_id = ? AND settled_at IS NOT NULL', [id]))[0])
  const row = (await queryRows(gw.dbUrl, 'SELECT * FROM usage_events WHERE request_id = ?', [String(job.id)]))[0]!
  expect(row).toMatchObject({ input_tokens: 40_000, output_tokens: 80_000, cost_status: 'priced' })

  // Interactive traffic right after: the window is as the interactive request alone left it (2,010 used, refilling).
  const after = await message(key, { max_tokens: 50 })
  expect(after.status).toBe(200)
  expect(remaining(after)).toBeGreaterThan(TPM - 2_010 - 200)
  // The batch's tokens are counted where tokens are: the metrics.
  await waitFor('tokens counted', async () => ((await metric('sociaro_tokens_total', `provider="anthropic",model="${MODEL}",direction="input"`)) >= inputBefore + 40_000 ? true : undefined))
})

test("a batch's summed output does not become the key's typical output (which sizes its interactive TPM reservations)", async () => {
  const { key } = await gw.createKey({ tpm: TPM })
  // Five batches: as many settled rows as the typical output needs before it is used at all.
  const ids = await Promise.all([1, 2, 3, 4, 5].map(async () => ((await (await batch(key, 10)).json()) as { id: string }).id))
  for (const id of ids) await waitFor('batch settled', async () => (await queryRows(gw.dbUrl, 'SELECT id FROM jobs WHERE provider_job_id = ? AND settled_at IS NOT NULL', [id]))[0])
  await Bun.sleep(100)
  // max_tokens far above the typical output: the reservation is the typical output (1024 until known), not 80,000.
  const response = await message(key, { max_tokens: 100_000 })
  expect(response.status).toBe(200)
  expect(remaining(response)).toBeGreaterThan(TPM - 1_200)
})
