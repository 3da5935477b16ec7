// The parse budget: hostile shapes are refused by a count that stops early, real large bodies fit, and the count reads JSON as the parser does.
import { describe, expect, test } from 'bun:test'
import { batchBudget, MEMBER_NAME_WEIGHT, REQUEST_BUDGET, withinJsonBudget } from '../../src/wire/json-budget.ts'
import { topLevelLayout } from '../../src/wire/model-token.ts'
import { batchFile, chatWith, hostileValues, imageChat, largeChat, tokenEmbedding } from '../support/hostile-json.ts'

const MiB = 1024 * 1024
const bytes = (text: string) => new TextEncoder().encode(text)

/** Nodes and values of a parsed value, counted the way the scan counts them (names weighted). */
function truth(value: unknown): { nodes: number; values: number } {
  let nodes = 0
  let values = 0
  const walk = (v: unknown) => {
    if (typeof v === 'string') nodes++
    if (v === null || typeof v !== 'object') return
    nodes++
    values++
    const entries = Array.isArray(v) ? v.map((item) => [undefined, item] as const) : Object.entries(v)
    // Commas: one fewer than the entries.
    values += Math.max(0, entries.length - 1)
    for (const [name, item] of entries) {
      if (name !== undefined) nodes += MEMBER_NAME_WEIGHT
      walk(item)
    }
  }
  walk(value)
  return { nodes, values }
}

describe('withinJsonBudget', () => {
  test('every hostile shape in a 1 MiB chat body is over the budget; the native and unified walks agree', () => {
    for (const [name, value] of Object.entries(hostileValues(MiB))) {
      const body = bytes(chatWith('gpt-4o-mini', value))
      expect({ name, within: withinJsonBudget(body) }).toEqual({ name, within: false })
      expect({ name, layout: topLevelLayout(body, 'model')?.overBudget }).toEqual({ name, layout: true })
    }
  })

  test('a 32 MiB hostile body is refused after reading only its first bytes', () => {
    // The count stops at the first count over budget: a 32 MiB body and its first MiB are refused alike.
    const huge = bytes(chatWith('gpt-4o-mini', hostileValues(32 * MiB)['empty arrays']!))
    expect(huge.byteLength).toBeGreaterThan(31 * MiB)
    expect(withinJsonBudget(huge)).toBe(false)
    // The same body cut just past the budget's worth of containers is already over it.
    expect(withinJsonBudget(huge.subarray(0, 3 * REQUEST_BUDGET.nodes + 200))).toBe(false)
  })

  test('real large bodies fit: a 10k-message chat, a 24 MiB base64 image, 300k embedding token ids, 2048 embedding strings', () => {
    const real = [
      largeChat('openai/gpt-4o-mini', 10_000),
      imageChat('gpt-4o', 24 * MiB),
      tokenEmbedding('text-embedding-3-small', 2048, 146),
      JSON.stringify({ model: 'text-embedding-3-small', input: Array.from({ length: 2048 }, (_, i) => `sentence ${i}`) }),
    ]
    for (const text of real) {
      expect(withinJsonBudget(bytes(text))).toBe(true)
      expect(topLevelLayout(bytes(text), 'model')?.overBudget).toBeUndefined()
    }
  })

  test('the count is exact: a body just within each budget passes, one more container or value does not', () => {
    for (const text of [largeChat('m', 300), tokenEmbedding('m', 20, 30), '{"a":[[],{},"",{"k":"v","k2":[1,2,{"x":null}]}]}', '"just a string"', '[]', '{}']) {
      const { nodes, values } = truth(JSON.parse(text))
      const body = bytes(text)
      expect(withinJsonBudget(body, { nodes, values, depth: 100 })).toBe(true)
      expect(withinJsonBudget(body, { nodes: nodes - 1, values, depth: 100 })).toBe(nodes === 0)
      if (values > 0) expect(withinJsonBudget(body, { nodes, values: values - 1, depth: 100 })).toBe(false)
    }
  })

  test('strings hide their brackets, escaped quotes included; a whitespace before a member colon still counts it as a name', () => {
    const tricky = '{"a \\" [[[[": "]]]] \\\\", "b" : ["{{{{"]}'
    const { nodes, values } = truth(JSON.parse(tricky))
    expect(withinJsonBudget(bytes(tricky), { nodes, values, depth: 2 })).toBe(true)
    expect(withinJsonBudget(bytes(tricky), { nodes: nodes - 1, values, depth: 2 })).toBe(false)
  })

  test('a broken structure is left to the parser, which refuses it', () => {
    expect(withinJsonBudget(bytes('{"a": "unterminated'))).toBe(true)
    expect(withinJsonBudget(bytes(']]]'))).toBe(true)
  })
})

describe('batchBudget', () => {
  test('a real 40k-line chat batch fits its per-MiB budget; a file of [[],[],…] lines does not', () => {
    const real = bytes(batchFile('gpt-4o-mini', 40_000))
    expect(real.byteLength).toBeGreaterThan(10 * MiB)
    expect(withinJsonBudget(real, batchBudget(real.byteLength))).toBe(true)
    const hostile = bytes(Array.from({ length: 4 }, () => chatWith('gpt-4o-mini', hostileValues(MiB)['empty arrays']!)).join('\n'))
    expect(withinJsonBudget(hostile, batchBudget(hostile.byteLength))).toBe(false)
  })

  test('the floor is the request budget', () => {
    expect(batchBudget(10)).toEqual(REQUEST_BUDGET)
  })
})

describe('lastObjectAfterKey (the metering worker\'s read of a cut body\'s tail)', () => {
  test('finds the usage object at the end of a tail; a tail of unclosed "usage":{ tries is given up after a bounded number of tries', async () => {
    const { lastObjectAfterKey } = await import('../../src/wire/body.ts')
    expect(lastObjectAfterKey(`…truncated ${'x'.repeat(1000)}"}],"usage":{"prompt_tokens":3,"completion_tokens":5}}`, 'usage')).toEqual({ prompt_tokens: 3, completion_tokens: 5 })
    // 2 MiB of candidates: without the bound each try scans to the end (quadratic: minutes); with it, a few scans.
    expect(lastObjectAfterKey('"usage":{"a":"'.repeat(150_000), 'usage')).toBeUndefined()
    // The real object behind more than the tries allowed is not looked for.
    expect(lastObjectAfterKey(`"usage":{"n":1}${' "usage":{"a":"'.repeat(20)}`, 'usage')).toBeUndefined()
  })
})
