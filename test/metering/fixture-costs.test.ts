// Recorded provider responses → usage → cost in micro-USD, checked against prices worked out by hand.
import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { extractUsage as extractFor } from '../../src/providers/provider-wire.ts'
import { builtInProvider } from '../../src/providers/registry.ts'
import type { ExtractInput, Extraction } from '../../src/types/usage.ts'

/** The fixture folders are provider ids: each response is read by that provider's module, by its path. */
type UsageFamily = 'openai' | 'anthropic' | 'gemini' | 'dashscope' | 'byteplus' | 'mulerouter'
const extractUsage = ({ family, ...input }: ExtractInput & { family: UsageFamily }): Extraction => extractFor(builtInProvider(family)!, input)
import { priceUsage } from '../../src/pricing/price-usage.ts'

const FIXTURES = join(import.meta.dir, '../fixtures/usage')
const AT = new Date('2026-11-01T00:00:00Z')

function costOf(family: UsageFamily, name: string, provider: string, requestModel?: string) {
  const meta = JSON.parse(readFileSync(join(FIXTURES, family, `${name}.expected.json`), 'utf8')) as { path: string; contentType: string }
  const file = meta.contentType.includes('event-stream') ? `${name}.sse` : `${name}.json`
  const extraction = extractUsage({ family, path: meta.path, contentType: meta.contentType, body: readFileSync(join(FIXTURES, family, file)) })
  return priceUsage({ provider, model: extraction.model ?? requestModel!, usage: extraction.usage!, at: AT })
}

const cases: [string, UsageFamily, string, string, string | undefined, number, string][] = [
  // 12 uncached × $3 + 20,000 cache reads × $0.30 + 1,000 5-minute writes × $3.75 + 2,000 1-hour writes × $6
  // + 450 out × $15 (per million) + 2 web searches × $0.01 = 36 + 6,000 + 3,750 + 12,000 + 6,750 + 20,000.
  ['Anthropic message with cache reads, a 5m/1h cache-write split and web searches', 'anthropic', 'message', 'anthropic', undefined, 48_536, 'genai-prices'],
  // gpt-5-mini: 243 uncached × $0.25 + 1,280 cached × $0.025 + 210 out (reasoning included) × $2 = 60.75 + 32 + 420 → 513.
  ['OpenAI chat with cached and reasoning tokens', 'openai', 'chat', 'openai', undefined, 513, 'genai-prices'],
  // gemini-2.5-flash: 11 in × $0.30 + (12 candidates + 133 thoughts) × $2.50 = 3.3 + 362.5 → 366.
  ['Gemini stream whose thoughts bill as output', 'gemini', 'stream-sse', 'gemini', undefined, 366, 'genai-prices'],
  // Seedream 4.0: 2 images × $0.03; its image tokens are informational.
  ['BytePlus Seedream priced per image', 'byteplus', 'seedream', 'byteplus', undefined, 60_000, 'table'],
  // qwen-plus in thinking mode (reasoning tokens present): 300 in × $0.40 + 1,000 out × $4 thinking rate = 120 + 4,000.
  ['DashScope native in thinking mode, from our own table', 'dashscope', 'native', 'dashscope', 'qwen-plus', 4_120, 'table'],
]

for (const [label, family, name, provider, model, micros, source] of cases) {
  test(label, () => {
    const price = costOf(family, name, provider, model)
    expect(price).toMatchObject({ status: 'priced', costMicros: micros, source })
  })
}
