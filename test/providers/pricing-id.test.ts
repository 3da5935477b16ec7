// A provider's pricing id is read: a config-file provider with `pricing_id` is priced at that genai-prices provider, with no name match needed or used.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/config.ts'
import { toGenaiProviderId } from '../../src/pricing/genai-prices.ts'
import { priceUsage } from '../../src/pricing/price-usage.ts'
import type { Usage } from '../../src/types/usage.ts'
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { startTestGateway, UPSTREAM_SECRET, type TestGateway } from '../support/test-gateway.ts'
import { waitForUsageRow } from '../support/usage-rows.ts'

const MODEL = 'llama-3.3-70b'
const usage: Usage = { inputTokens: 1000, outputTokens: 500, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }
const reply = JSON.stringify({ id: 'x', object: 'chat.completion', model: MODEL, choices: [{ index: 0, message: { role: 'assistant', content: 'hi' } }], usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 } })

describe('pricing ids', () => {
  test('an explicit pricing id is used as given; only a provider without one is matched by name', () => {
    expect(toGenaiProviderId('acme')).toBeUndefined()
    expect(toGenaiProviderId('acme', { pricingId: 'cerebras' })).toBe('cerebras')
    // "my-cerebras" would match cerebras by name; its own pricing id wins.
    expect(toGenaiProviderId('my-cerebras', { pricingId: 'groq' })).toBe('groq')
    // Built-in providers are priced by their spec's id (gemini → google, xai → x-ai).
    expect(toGenaiProviderId('gemini')).toBe('google')
    expect(toGenaiProviderId('xai')).toBe('x-ai')
  })

  test('the config file\'s pricing_id reaches the provider spec', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sociaro-pricing-id-'))
    try {
      const file = join(dir, 'sociaro.toml')
      writeFileSync(file, `[[providers]]\nid = "acme"\nbase_url = "https://llm.example.com"\npricing_id = "cerebras"\n`)
      expect(loadConfig({ SOCIARO_CONFIG: file }).providers.find((p) => p.spec.id === 'acme')!.spec.pricingId).toBe('cerebras')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('a custom provider "acme" with pricing_id = "cerebras"', () => {
  let dir: string
  let upstream: FakeUpstream
  let gw: TestGateway

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sociaro-pricing-id-'))
    upstream = startFakeUpstream(() => new Response(reply, { headers: { 'content-type': 'application/json' } }))
    const file = join(dir, 'sociaro.toml')
    writeFileSync(file, `[[providers]]\nid = "acme"\ndisplay_name = "Acme"\nbase_url = "${upstream.url}"\npricing_id = "cerebras"\n`)
    gw = await startTestGateway({ env: { SOCIARO_CONFIG: file, SOCIARO_ACME_API_KEY: UPSTREAM_SECRET, SOCIARO_METER_FLUSH_MS: '20' } })
  })
  afterAll(async () => {
    await gw.stop()
    upstream.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  test('its rows are priced from cerebras\'s genai-prices entries, and reprice keeps them', async () => {
    const expected = priceUsage({ provider: 'acme', pricing: { pricingId: 'cerebras' }, model: MODEL, usage, at: new Date() })
    expect(expected).toMatchObject({ status: 'priced', source: 'genai-prices' })
    expect(expected.costMicros).toBeGreaterThan(0)
    // Without the id there is nothing to go by.
    expect(priceUsage({ provider: 'acme', model: MODEL, usage, at: new Date() }).status).toBe('unpriced')

    const response = await fetch(`${gw.url}/acme/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(response.status).toBe(200)
    await response.arrayBuffer()
    const requestId = response.headers.get('x-sociaro-request-id')!
    const row = await waitForUsageRow(gw.dbUrl, requestId)
    expect(row).toMatchObject({ provider: 'acme', model: MODEL, input_tokens: 1000, output_tokens: 500, cost_status: 'priced', price_source: 'genai-prices' })
    expect(row.cost_micros).toBe(expected.costMicros)

    // Reprice (on the worker) reads the same pricing id: the stored cost stands.
    const range = { from: new Date(Date.now() - 60_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() }
    const repriced = (await (await gw.admin('POST', '/reprice', range)).json()) as { examined: number; changed: number; stillUnpriced: number }
    expect(repriced).toMatchObject({ examined: 1, changed: 0, stillUnpriced: 0 })
  })
})
