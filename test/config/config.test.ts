// Configuration: validation that names the variable, and a config file that adds a provider and prices without code.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, loadConfig } from '../../src/config.ts'
import { sha256, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.ts'
import { startTestGateway, UPSTREAM_SECRET, type TestGateway } from '../support/test-gateway.ts'
import { waitForUsageRow } from '../support/usage-rows.ts'

describe('validation', () => {
  const bad: [Record<string, string>, string][] = [
    [{ SOCIARO_PORT: '99999' }, 'SOCIARO_PORT'],
    [{ SOCIARO_DATABASE_URL: 'postgres://x' }, 'SOCIARO_DATABASE_URL'],
    [{ SOCIARO_ADMIN_TOKEN: 'short' }, 'SOCIARO_ADMIN_TOKEN'],
    [{ SOCIARO_SECRET_KEY: 'short' }, 'SOCIARO_SECRET_KEY'],
    [{ SOCIARO_OPENAI_BASE_URL: 'not a url' }, 'SOCIARO_OPENAI_BASE_URL'],
    [{ SOCIARO_OPENAI_BASE_URL: 'https://user:pw@api.openai.com' }, 'SOCIARO_OPENAI_BASE_URL'],
    [{ SOCIARO_DASHSCOPE_REGION: 'mars' }, 'SOCIARO_DASHSCOPE_REGION'],
    [{ SOCIARO_MAX_BODY_BYTES: '-1' }, 'SOCIARO_MAX_BODY_BYTES'],
    [{ SOCIARO_METERING: 'maybe' }, 'SOCIARO_METERING'],
    [{ SOCIARO_CONFIG: '/nonexistent/sociaro.toml' }, 'SOCIARO_CONFIG'],
  ]
  for (const [env, name] of bad) {
    test(`a bad ${name} is refused with its name`, () => {
      expect(() => loadConfig(env)).toThrow(ConfigError)
      expect(() => loadConfig(env)).toThrow(name)
    })
  }

  test('defaults and regional bases', () => {
    const config = loadConfig({ SOCIARO_DASHSCOPE_REGION: 'cn', SOCIARO_ANTHROPIC_BASE_URL: 'https://proxy.example.com/anthropic/' })
    expect(config.host).toBe('127.0.0.1')
    expect(config.port).toBe(8080)
    expect(config.databaseUrl).toBe('file:./data/sociaro.db')
    expect(config.providers.find((p) => p.spec.id === 'dashscope')!.baseUrl).toBe('https://dashscope.aliyuncs.com')
    expect(config.providers.find((p) => p.spec.id === 'anthropic')!.baseUrl).toBe('https://proxy.example.com/anthropic')
    expect(config.providers.find((p) => p.spec.id === 'openai')!.baseUrl).toBe('https://api.openai.com')
  })
})

describe('a config file adds an OpenAI-compatible provider and a price', () => {
  let dir: string
  let upstream: FakeUpstream
  let gw: TestGateway
  const reply = JSON.stringify({ id: 'x', object: 'chat.completion', model: 'llama-fast', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' } }], usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 } })

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sociaro-config-'))
    upstream = startFakeUpstream((request) =>
      request.headers.get('authorization') === `Bearer ${UPSTREAM_SECRET}` ? new Response(reply, { headers: { 'content-type': 'application/json' } }) : new Response('no', { status: 401 }),
    )
    const file = join(dir, 'sociaro.toml')
    writeFileSync(
      file,
      `[[providers]]\nid = "acme-llm"\ndisplay_name = "Acme LLM"\nbase_url = "${upstream.url}/api"\n\n[[prices]]\nprovider = "acme-llm"\nmodel = "llama-*"\ninput_usd_per_mtok = 0.5\noutput_usd_per_mtok = 2\n`,
    )
    gw = await startTestGateway({ env: { SOCIARO_CONFIG: file, SOCIARO_ACME_LLM_API_KEY: UPSTREAM_SECRET, SOCIARO_METER_FLUSH_MS: '20' } })
  })
  afterAll(async () => {
    await gw.stop()
    upstream.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  test('requests reach it under its base path and are priced by the configured override', async () => {
    const response = await fetch(`${gw.url}/acme-llm/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama-fast', messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(response.status).toBe(200)
    expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(reply))
    expect(upstream.requests.at(-1)!.path).toBe('/api/v1/chat/completions')
    const row = await waitForUsageRow(gw.dbUrl, response.headers.get('x-sociaro-request-id')!)
    // 1000 × $0.5/M + 500 × $2/M = 500 + 1000 micro-USD.
    expect(row).toMatchObject({ provider: 'acme-llm', cost_status: 'priced', cost_micros: 1500, price_source: 'override' })

    // Repricing uses the same overrides as the meter, config-file ones included: nothing changes.
    const range = { from: new Date(Date.now() - 60_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() }
    const repriced = (await (await gw.admin('POST', '/reprice', range)).json()) as { examined: number; changed: number }
    expect(repriced).toMatchObject({ examined: 1, changed: 0 })
    expect(await waitForUsageRow(gw.dbUrl, response.headers.get('x-sociaro-request-id')!)).toMatchObject({ cost_micros: 1500, cost_status: 'priced' })
  })

  test('JSON config files work too', () => {
    const file = join(dir, 'sociaro.json')
    writeFileSync(file, JSON.stringify({ providers: [{ id: 'other', base_url: 'https://llm.example.com/v1' }] }))
    const config = loadConfig({ SOCIARO_CONFIG: file })
    expect(config.providers.find((p) => p.spec.id === 'other')!.baseUrl).toBe('https://llm.example.com/v1')
  })
})
