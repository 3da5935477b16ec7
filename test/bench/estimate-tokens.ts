// Benchmark (`bun test/bench/estimate-tokens.ts`): token-estimation time per MiB of text for prose, one long word, random bytes, CJK, emoji...
import { clearMergeCache, countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { estimateUsage } from '../../src/metering/worker/estimate-tokens.ts'
import { openaiDialect } from '../../src/providers/dialects/openai/index.ts'
import { countTextTokens, TokenBudget } from '../../src/metering/worker/token-count.ts'

const MiB = 1024 * 1024
/** The raw tokenizer is quadratic on some inputs: it only gets a sample this large, and its figure is scaled up. */
const RAW_SAMPLE_BYTES = 32 * 1024

/** About `bytes` of UTF-8 built by repeating `make` (which may be random each call). */
function sized(bytes: number, make: () => string): string {
  let out = ''
  while (Buffer.byteLength(out) < bytes) out += make()
  return out
}

const randomLetters = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('')
const PROSE = 'The gateway meters every request; it prices tokens in integer micro-dollars, and it never drops a row. '

const inputs: Record<string, (bytes: number) => string> = {
  'normal prose': (b) => sized(b, () => PROSE),
  'one long word (a×N)': (b) => 'a'.repeat(b),
  'random letters, no spaces': (b) => sized(b, () => randomLetters(4096)),
  'random bytes (as UTF-8)': (b) => new TextDecoder().decode(crypto.getRandomValues(new Uint8Array(b))),
  base64: (b) => Buffer.from(crypto.getRandomValues(new Uint8Array(Math.floor((b * 3) / 4)))).toString('base64'),
  'CJK, no spaces': (b) => sized(b, () => '漢字仮名交じり文の計量は難しい'),
  emoji: (b) => sized(b, () => '😀🎉👍🏽🚀'),
  'whitespace run': (b) => ' '.repeat(b - 1) + 'x',
  'newline run': (b) => '\n'.repeat(b),
  'punctuation run': (b) => '!'.repeat(b),
  digits: (b) => '7'.repeat(b),
  'JSON-ish code': (b) => sized(b, () => '{"id": 12345, "name": "widget", "tags": ["a", "b"], "ok": true}\n'),
}

function time(run: () => number): { ms: number; tokens: number } {
  clearMergeCache() // each case starts cold, as an unseen input would
  const start = performance.now()
  const tokens = run()
  return { ms: performance.now() - start, tokens }
}

const perMiB = (ms: number, bytes: number) => ((ms * 1000) / (bytes / MiB)).toFixed(0).padStart(11)

countTokens('warm up the tokenizer')
console.log(`estimation time per MiB of UTF-8 (µs/MiB); raw tokenizer timed on ${RAW_SAMPLE_BYTES / 1024} KiB and scaled (it is superlinear, so the real 1 MiB figure is worse)`)
console.log(`${'input'.padEnd(28)} ${'raw tokenizer'.padStart(14)} ${'linear count'.padStart(14)} ${'job estimate'.padStart(14)}  tokens (linear / raw on the sample)  note`)
for (const [name, make] of Object.entries(inputs)) {
  const text = make(MiB)
  const bytes = Buffer.byteLength(text)
  const sample = make(RAW_SAMPLE_BYTES)
  const raw = time(() => countTokens(sample, { disallowedSpecial: new Set() }))
  const linearOnSample = countTextTokens(sample, new TokenBudget(Infinity, Infinity))
  const linear = time(() => countTextTokens(text, new TokenBudget(Infinity, Infinity)))
  // The production path: the text as a streamed completion, under one job's budget.
  let note: string | null = null
  const job = time(() => {
    const estimate = estimateUsage(new Uint8Array(0), text, openaiDialect.prompt)
    note = estimate.note
    return estimate.usage.outputTokens
  })
  console.log(
    `${name.padEnd(28)} ${perMiB(raw.ms, Buffer.byteLength(sample))}    ${perMiB(linear.ms, bytes)}    ${perMiB(job.ms, bytes)}    ${`${linearOnSample} / ${raw.tokens}`.padEnd(34)}  ${note ?? ''}`,
  )
}
