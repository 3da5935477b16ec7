// The metering worker loads the tokenizer only when a row first needs an estimate, and such a row is built exactly as
// with the tokenizer loaded up front.
import { describe, expect, test } from 'bun:test'
import { loadBatchEstimator, recordOfJob, TokenizerOnDemand } from '../../src/metering/worker/job-records.ts'
import type { MeterJob } from '../../src/metering/protocol/meter-job.ts'
import type { Estimator } from '../../src/metering/worker/usage-record.ts'
import { builtInProvider } from '../../src/providers/registry.ts'

const encode = (text: string) => new TextEncoder().encode(text)
const quiet = () => {}

function job(overrides: Partial<MeterJob>): MeterJob {
  return {
    requestId: 'req_1', startedAt: Date.UTC(2026, 0, 1), orgId: 'org', keyId: 'key', provider: 'openai', model: 'gpt-4o-mini',
    endpoint: '/v1/chat/completions', method: 'POST', status: 200, streamed: false, contentType: 'application/json', contentEncoding: '',
    truncated: false, ttfbMs: 1, durationMs: 2, endedBy: 'complete', errorCode: null, user: null, tags: null, body: null, requestBody: null,
    ...overrides,
  }
}

const reported = job({
  body: encode(JSON.stringify({ model: 'gpt-4o-mini', choices: [{ message: { content: 'hi' } }], usage: { prompt_tokens: 12, completion_tokens: 48, total_tokens: 60 } })),
})
const streamRequest = encode(JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Say hello to the benchmark, please.' }] }))
const unreported = job({
  requestId: 'req_2', streamed: true, contentType: 'text/event-stream', requestBody: streamRequest,
  body: encode(
    ['Hello', ' there,', ' benchmark!'].map((text) => `data: ${JSON.stringify({ model: 'gpt-4o-mini', choices: [{ delta: { content: text } }] })}\n\n`).join('') +
      'data: [DONE]\n\n',
  ),
})

const build = (item: MeterJob, estimate: Estimator) => recordOfJob(item, [], estimate, quiet, builtInProvider)

async function collect(tokenizer: TokenizerOnDemand, jobs: MeterJob[]) {
  const out = []
  for await (const record of tokenizer.records(jobs, build)) out.push(record)
  return out
}

describe('TokenizerOnDemand', () => {
  test('rows with reported usage never load the tokenizer', async () => {
    const tokenizer = new TokenizerOnDemand(quiet)
    const [record] = await collect(tokenizer, [reported, reported])
    expect(tokenizer.requested).toBe(false)
    expect(record!.usageSource).toBe('reported')
    expect(record!.inputTokens).toBe(12)
  })

  test('the first row needing an estimate loads it, and every row is built as with the tokenizer loaded up front', async () => {
    const tokenizer = new TokenizerOnDemand(quiet)
    const lazy = await collect(tokenizer, [reported, unreported, reported, unreported])
    expect(tokenizer.requested).toBe(true)
    const eager = (await loadBatchEstimator(quiet))()
    const expected = [await build(reported, eager), await build(unreported, eager), await build(reported, eager), await build(unreported, eager)]
    expect(lazy).toEqual(expected)
    expect(lazy[1]!.usageSource).toBe('estimated')
    expect(lazy[1]!.outputTokens).toBeGreaterThan(0)
    // The real tokenizer counted, not the 4-bytes-per-token fallback.
    expect(lazy[1]!.costDetail ?? '').not.toContain('4 bytes per token')
  })
})
