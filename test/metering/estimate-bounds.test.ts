// Token estimation is linear and bounded whatever the text: long runs, huge inputs and slow batches are approximated and say so.
import { describe, expect, test } from 'bun:test'
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { BATCH_TOKENIZE_MS, batchEstimator, estimateUsage, JOB_TOKENIZE_CHARS } from '../../src/metering/worker/estimate-tokens.ts'
import { countTextTokens, TokenBudget } from '../../src/metering/worker/token-count.ts'
import { openaiDialect } from '../../src/providers/dialects/openai/index.ts'

const enc = new TextEncoder()
const exact = (text: string) => countTokens(text, { disallowedSpecial: new Set() })
const unbounded = () => new TokenBudget(Infinity, Infinity)
const chatBody = (content: string) => enc.encode(JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content }] }))

describe('pathological text for the tokenizer', () => {
  test('1 MiB of one word, as prompt and as completion, is estimated within a generous bound (the tokenizer alone took minutes)', () => {
    const word = 'a'.repeat(1024 * 1024)
    for (const [request, completion] of [
      [chatBody(word), ''],
      [chatBody('hi'), word],
    ] as const) {
      const started = performance.now()
      const { usage, note } = estimateUsage(request, completion, openaiDialect.prompt)
      // Generous: the fixed code takes tens of milliseconds; the tokenizer alone took over two minutes on 300,000.
      expect(performance.now() - started).toBeLessThan(5_000)
      const tokens = completion === '' ? usage.inputTokens : usage.outputTokens
      // o200k counts eight a's per token; extrapolation of a uniform text keeps that ratio.
      expect(tokens).toBeGreaterThan(word.length / 9)
      expect(tokens).toBeLessThan(word.length / 7)
      expect(note).toContain('token estimate approximated')
    }
  })

  test('long runs of every kind are counted in pieces close to the exact count', () => {
    const cases = {
      // Small enough for the quadratic tokenizer to give the exact count in a few seconds in all.
      word: 'a'.repeat(8_000),
      cjk: '漢字仮名交じり文'.repeat(500),
      emoji: '😀🎉🚀'.repeat(800),
      punctuation: '!?'.repeat(3_000),
      newlines: '\n'.repeat(6_000),
      digits: '1234567'.repeat(1_000),
    }
    const off: string[] = []
    for (const [name, text] of Object.entries(cases)) {
      const budget = unbounded()
      const ratio = countTextTokens(text, budget) / exact(text)
      if (ratio < 0.9 || ratio > 1.2 || !budget.note()?.includes('counted in pieces')) off.push(`${name}: ${ratio.toFixed(3)} ${budget.note()}`)
    }
    expect(off).toEqual([])
  })

  test('ordinary text is counted exactly, and its estimate carries no note', () => {
    const prose = 'The gateway meters every request, prices it in micro-dollars and never drops a row. '.repeat(500)
    expect(countTextTokens(prose, unbounded())).toBe(exact(prose))
    const { usage, note } = estimateUsage(chatBody('Name three colours.'), 'Red, green, blue.', openaiDialect.prompt)
    expect(usage.outputTokens).toBe(exact('Red, green, blue.'))
    expect(note).toBeNull()
  })

  test('a lone surrogate or a pair cut by a piece boundary never throws', () => {
    const text = 'x'.repeat(47) + '😀'.repeat(100) + '\ud800' + 'y'.repeat(100)
    expect(countTextTokens(text, unbounded())).toBeGreaterThan(100)
  })
})

describe('budgets', () => {
  test('past the character budget the rest of a text is extrapolated at its own ratio, and the note says how much', () => {
    const prose = 'Metering must stay linear in time whatever the client sends. '.repeat(20_000)
    const budget = new TokenBudget(16 * 1024, Infinity)
    const counted = countTextTokens(prose, budget)
    expect(Math.abs(counted - exact(prose)) / exact(prose)).toBeLessThan(0.02)
    expect(budget.note()).toMatch(new RegExp(`^token estimate approximated: \\d+ of ${prose.length} characters extrapolated`))
  })

  test('the time budget applies only past the untimed characters: small estimates are exact whatever the clock says', () => {
    let clock = 0
    const now = () => (clock += 1_000) // every look at the clock finds a second gone
    const budget = new TokenBudget(Infinity, 1, now, 8 * 1024)
    expect(countTextTokens('hello world', budget)).toBe(exact('hello world'))
    expect(countTextTokens('and again', budget)).toBe(exact('and again'))
    const long = 'word '.repeat(10_000)
    countTextTokens(long, budget)
    expect(budget.note()).toContain('extrapolated')
  })

  test('a text after the budget is spent is extrapolated at the ratio seen so far', () => {
    const first = 'one two three four five six seven eight nine ten '.repeat(20)
    const budget = new TokenBudget(first.length, Infinity)
    const firstTokens = countTextTokens(first, budget)
    const second = 'eleven twelve '.repeat(10)
    expect(countTextTokens(second, budget)).toBe(Math.ceil((firstTokens / first.length) * second.length))
    expect(budget.note()).toContain(`${second.length} of ${first.length + second.length} characters extrapolated`)
  })

  test('a batch stops tokenizing at its deadline: later jobs are estimated from byte counts and marked', () => {
    let clock = 0
    const estimate = batchEstimator(() => clock)
    const body = chatBody('How many tokens is this?')
    expect(estimate(body, 'Seven, or so.', openaiDialect.prompt).note).toBeNull()
    clock = BATCH_TOKENIZE_MS + 1
    const late = estimate(body, 'x'.repeat(4_000), openaiDialect.prompt)
    expect(late.usage.outputTokens).toBe(1_000) // 4 bytes per token
    expect(late.usage.inputTokens).toBeGreaterThan(0)
    expect(late.note).toContain('extrapolated')
  })

  test('one job never tokenizes more than its character budget, however large its texts', () => {
    const huge = 'tokens and more tokens '.repeat(100_000) // 2.3 M characters
    const { usage, note } = estimateUsage(chatBody(huge), huge, openaiDialect.prompt)
    const match = /(\d+) of (\d+) characters extrapolated/.exec(note ?? '')!
    expect(Number(match[2]) - Number(match[1])).toBeLessThanOrEqual(JOB_TOKENIZE_CHARS + 2 * 2048)
    expect(Math.abs(usage.outputTokens - exact(huge)) / exact(huge)).toBeLessThan(0.02)
  })
})

test('a JSON request cut short (past the meter\'s 1 MiB copy) is counted from its text, not as no prompt, and says so', () => {
  const whole = chatBody('The prompt goes on and on. '.repeat(50_000))
  const cut = whole.subarray(0, 1024 * 1024)
  const { usage, note } = estimateUsage(cut, 'ok', openaiDialect.prompt)
  expect(usage.inputTokens).toBeGreaterThan(150_000)
  expect(note).toContain('the request body is not whole JSON')
  expect(estimateUsage(enc.encode('--boundary\r\nContent-Disposition: form-data'), 'ok', openaiDialect.prompt).usage.inputTokens).toBe(0)
})
