// The top-level `model` reader parses the body once, agrees with JSON.parse on every body it accepts, refuses what parsers could read differently, and cuts bytes minimally.
import { describe, expect, test } from 'bun:test'
import { cutThroughFirstSlash, findTopLevelString, MAX_DEPTH } from '../../src/wire/model-token.ts'

const enc = new TextEncoder()
const dec = new TextDecoder()
const scan = (text: string) => findTopLevelString(enc.encode(text), 'model')
const cut = (text: string) => {
  const body = enc.encode(text)
  const found = findTopLevelString(body, 'model')
  if (!found.ok) throw new Error(found.problem)
  const out = cutThroughFirstSlash(body, found)
  return out && dec.decode(out)
}

describe('findTopLevelString', () => {
  test('finds the top-level value with its raw span, whatever the spacing and escapes', () => {
    const bodies = [
      '{"model":"openai/gpt-4o","messages":[]}',
      ' \r\n\t{ "messages" : [ {"role":"user","content":"x"} ] ,\n "model"\t:\t"openai/gpt-4o" }\n',
      '{"mod\\u0065l":"openai/gpt-4o"}',
      '{"model":"open\\u0061i\\/gpt-4o"}',
      '\ufeff{"model":"openai/gpt-4o"}',
      '{"metadata":{"model":"other/x"},"tools":[{"model":"nested/y"}],"model":"openai/gpt-4o"}',
      '{"a":[1,-2.5e+3,0,true,false,null,{"b":[[]]},"\\"model\\":"],"model":"openai/gpt-4o"}',
    ]
    for (const text of bodies) {
      const found = scan(text)
      expect({ text, found: found.ok && found.value }).toEqual({ text, found: JSON.parse(text.replace(/^\ufeff/, '')).model })
      if (found.ok) expect(JSON.parse(dec.decode(enc.encode(text).subarray(found.start, found.end)))).toBe(found.value)
    }
  })

  test('a model only inside nested objects is absent; a non-string one is not a string', () => {
    expect(scan('{"metadata":{"model":"openai/gpt-4o"}}')).toEqual({ ok: false, problem: 'absent' })
    expect(scan('{}')).toEqual({ ok: false, problem: 'absent' })
    expect(scan('{"model":["openai/gpt-4o"]}')).toEqual({ ok: false, problem: 'not_string' })
    expect(scan('{"model":null}')).toEqual({ ok: false, problem: 'not_string' })
    expect(scan('{"model":{"id":"openai/x"}}')).toEqual({ ok: false, problem: 'not_string' })
  })

  test('two top-level models, in any spelling or type, fail closed', () => {
    expect(scan('{"model":"openai/a","model":"anthropic/b"}')).toEqual({ ok: false, problem: 'duplicate' })
    expect(scan('{"model":"openai/a","mo\\u0064el":"anthropic/b"}')).toEqual({ ok: false, problem: 'duplicate' })
    expect(scan('{"model":1,"model":"openai/a"}')).toEqual({ ok: false, problem: 'duplicate' })
    expect(scan('{"model":"openai/a","model":1}')).toEqual({ ok: false, problem: 'duplicate' })
  })

  test('anything that is not one valid JSON object is refused', () => {
    for (const text of ['', '[]', '"openai/x"', '1', 'null']) expect(scan(text).ok).toBe(false)
    expect(scan('[{"model":"openai/x"}]')).toEqual({ ok: false, problem: 'not_object' })
    const invalid = [
      '{"model":"openai/x"',
      '{"model":"openai/x"}}',
      '{"model":"openai/x"} x',
      '{"model":"openai/x",}',
      '{"model" "openai/x"}',
      "{'model':'openai/x'}",
      '{"model":"openai/x" "model":"evil/y"}',
      '{"model":"a\u0001b"}',
      '{"model":"a\\xb"}',
      '{"model":"\\u12G4"}',
      '{"a":01,"model":"openai/x"}',
      '{"a":1.,"model":"openai/x"}',
      '{"a":tru,"model":"openai/x"}',
      '{"a":[1,],"model":"openai/x"}',
      '{"a":{"b" 1},"model":"openai/x"}',
      '{"a":[}],"model":"openai/x"}',
    ]
    for (const text of invalid) {
      expect({ text, result: scan(text) }).toEqual({ text, result: { ok: false, problem: 'not_json' } })
      expect(() => JSON.parse(text)).toThrow()
    }
  })

  test('nesting is bounded: deeper than MAX_DEPTH is refused, up to it is read', () => {
    const deep = (n: number) => `{"a":${'['.repeat(n)}${']'.repeat(n)},"model":"openai/x"}`
    expect(scan(deep(MAX_DEPTH - 1)).ok).toBe(true)
    expect(scan(deep(MAX_DEPTH + 10))).toEqual({ ok: false, problem: 'not_json' })
    // A long flat body is one linear pass: 15k messages are read; 50k (350k arrays, objects and strings) are over the parse budget, and not parsed.
    const wide = (n: number) => `{"messages":[${Array.from({ length: n }, (_, i) => `{"role":"user","content":"m${i}"}`).join(',')}],"model":"openai/x"}`
    expect(scan(wide(15_000)).ok).toBe(true)
    expect(scan(wide(50_000))).toEqual({ ok: false, problem: 'over_budget' })
  })
})

describe('one parse', () => {
  const bodies = [
    '{"model":"openai/gpt-4o","messages":[{"role":"user","content":"x \\" } ] \\\\"}]}',
    ' \r\n\t{ "messages" : [ {"role":"user","content":"x"} ] ,\n "model"\t:\t"openai/gpt-4o" }\n',
    '{"mod\\u0065l":"open\\u0061i\\u002fgpt-4\\u006f","stream":true}',
    '{"model":"openai\\/gpt-4o","n":2,"x":[1.5e3,-0,null,false,{"model":"nested/y"}]}',
    '\ufeff{"model":"openrouter/anthropic/claude-sonnet-4.5"}',
    `{"model":"mock/模型-😀","long":"${'\\"'.repeat(100)}${'y'.repeat(300)}\\\\","after":"\\\\\\""}`,
  ]

  test('the scan hands back the parse of the body, and the cut body parses as it with only the model changed', () => {
    for (const text of bodies) {
      const body = enc.encode(text)
      const found = findTopLevelString(body, 'model')
      if (!found.ok) throw new Error(`${text}: ${found.problem}`)
      const parsed = JSON.parse(text.replace(/^\ufeff/, ''))
      expect(found.json).toEqual(parsed)
      const edited = cutThroughFirstSlash(body, found)!
      const value = found.value
      expect(JSON.parse(dec.decode(edited))).toEqual({ ...parsed, model: value.slice(value.indexOf('/') + 1) })
    }
  })

  test('the body is parsed at most once, and a body nested too deep is refused before any parse', () => {
    const parse = JSON.parse
    const sizes: number[] = []
    JSON.parse = ((text: string, reviver?: Parameters<typeof parse>[1]) => {
      sizes.push(text.length)
      return parse(text, reviver)
    }) as typeof JSON.parse
    try {
      const big = `{"model":"openai/x","messages":[${Array.from({ length: 2000 }, (_, i) => `{"role":"user","content":"m${i}"}`).join(',')}]}`
      expect(findTopLevelString(enc.encode(big), 'model').ok).toBe(true)
      expect(sizes.filter((size) => size > 1000)).toEqual([big.length])
      sizes.length = 0
      const deep = `{"model":"openai/x","a":${'['.repeat(200_000)}${']'.repeat(200_000)}}`
      expect(findTopLevelString(enc.encode(deep), 'model')).toEqual({ ok: false, problem: 'not_json' })
      expect(sizes).toEqual([])
      // Broken structure is refused by the walk as well, before a parse.
      expect(findTopLevelString(enc.encode('{"model":"openai/x","a":"never ends'), 'model')).toEqual({ ok: false, problem: 'not_json' })
      expect(findTopLevelString(enc.encode('{"model":"openai/x"}]]'), 'model')).toEqual({ ok: false, problem: 'not_json' })
      expect(sizes).toEqual([])
    } finally {
      JSON.parse = parse
    }
  })
})

describe('cutThroughFirstSlash', () => {
  test('removes the provider prefix and nothing else', () => {
    expect(cut('{"model":"openai/gpt-4o","messages":[]}')).toBe('{"model":"gpt-4o","messages":[]}')
    expect(cut('{ "model" :  "openrouter/anthropic/claude-sonnet-4.5" }')).toBe('{ "model" :  "anthropic/claude-sonnet-4.5" }')
    expect(cut('{"model":"fireworks/accounts/fireworks/models/llama-v3p1-8b-instruct"}')).toBe('{"model":"accounts/fireworks/models/llama-v3p1-8b-instruct"}')
    expect(cut('{"mod\\u0065l":"open\\u0061i\\u002fgpt-4\\u006f"}')).toBe('{"mod\\u0065l":"gpt-4\\u006f"}')
    expect(cut('{"model":"openai\\/gpt-4o"}')).toBe('{"model":"gpt-4o"}')
    expect(cut('{"metadata":{"model":"keep/this"},"model":"openai/gpt-4o"}')).toBe('{"metadata":{"model":"keep/this"},"model":"gpt-4o"}')
    expect(cut('{"model":"mock/模型-😀"}')).toBe('{"model":"模型-😀"}')
    expect(cut('{"model":"no-slash"}')).toBeUndefined()
  })
})
