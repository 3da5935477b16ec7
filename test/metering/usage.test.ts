// Tests for usage extraction: every recorded-shape fixture, split-invariance of every SSE fixture, and hostile input.
import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { estimateUsage } from '../../src/metering/worker/estimate-tokens.ts'
import { anthropicDialect } from '../../src/providers/dialects/anthropic/index.ts'
import { dashscopeDialect } from '../../src/providers/dialects/dashscope/index.ts'
import { geminiDialect } from '../../src/providers/dialects/gemini/index.ts'
import { openaiDialect } from '../../src/providers/dialects/openai/index.ts'
import { extractUsage as extractFor } from '../../src/providers/provider-wire.ts'
import { builtInProvider } from '../../src/providers/registry.ts'
import type { ExtractInput, Extraction } from '../../src/types/usage.ts'
import { SseDecoder, type SseEvent } from '../../src/wire/sse-decoder.ts'

/** The fixture folders are provider ids: each response is read by that provider's module, by its path. */
type UsageFamily = 'openai' | 'anthropic' | 'gemini' | 'dashscope' | 'byteplus' | 'mulerouter' | 'mock'
const extractUsage = ({ family, ...input }: ExtractInput & { family: UsageFamily }): Extraction => extractFor(builtInProvider(family)!, input)

const FIXTURES = join(import.meta.dir, '..', 'fixtures', 'usage')
const FAMILIES: UsageFamily[] = ['openai', 'anthropic', 'gemini', 'dashscope', 'byteplus', 'mulerouter']

interface Fixture {
  family: UsageFamily
  name: string
  body: Uint8Array
  path: string
  contentType: string
  expected: Record<string, unknown>
}

function loadFixtures(): Fixture[] {
  const out: Fixture[] = []
  for (const family of FAMILIES) {
    for (const file of readdirSync(join(FIXTURES, family)).sort()) {
      if (file.endsWith('.expected.json') || !/\.(sse|json)$/.test(file)) continue
      const stem = file.replace(/\.(sse|json)$/, '')
      const meta = JSON.parse(readFileSync(join(FIXTURES, family, `${stem}.expected.json`), 'utf8')) as {
        path: string
        contentType: string
        expected: Record<string, unknown>
      }
      out.push({ family, name: file, body: new Uint8Array(readFileSync(join(FIXTURES, family, file))), ...meta })
    }
  }
  return out
}

const fixtures = loadFixtures()
const sseFixtures = fixtures.filter((f) => f.name.endsWith('.sse'))

function extract(f: Fixture, body = f.body, truncated?: boolean): Extraction {
  return extractUsage({ family: f.family, path: f.path, contentType: f.contentType, body, truncated })
}

/** Drops keys whose value is undefined, and `raw` when the fixture does not pin it. */
function comparable(x: Extraction, keepRaw: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(x)) {
    if (v === undefined || (k === 'raw' && !keepRaw)) continue
    out[k] = v
  }
  return out
}

function decode(chunks: Uint8Array[]): SseEvent[] {
  const d = new SseDecoder()
  const events: SseEvent[] = []
  for (const c of chunks) events.push(...d.push(c))
  events.push(...d.end())
  return events
}

describe('fixture coverage', () => {
  test('every family has fixtures and every SSE fixture decodes to events', () => {
    for (const family of FAMILIES) expect(fixtures.some((f) => f.family === family)).toBe(true)
    expect(sseFixtures.length).toBeGreaterThan(15)
    for (const f of sseFixtures) expect(decode([f.body]).length).toBeGreaterThan(0)
  })
})

describe('extractUsage on recorded-shape fixtures', () => {
  for (const f of fixtures) {
    test(`${f.family}/${f.name}`, () => {
      const actual = extract(f)
      expect(comparable(actual, 'raw' in f.expected)).toStrictEqual(f.expected)
    })
  }
})

describe('SSE fixtures are independent of chunk boundaries', () => {
  for (const f of sseFixtures) {
    test(`${f.family}/${f.name}: every two-push split and one byte at a time`, () => {
      const reference = JSON.stringify(decode([f.body]))
      const badSplits: number[] = []
      for (let i = 0; i <= f.body.length; i++) {
        const got = JSON.stringify(decode([f.body.subarray(0, i), f.body.subarray(i)]))
        if (got !== reference) badSplits.push(i)
      }
      expect(badSplits).toEqual([])
      const bytewise: Uint8Array[] = []
      for (let i = 0; i < f.body.length; i++) bytewise.push(f.body.subarray(i, i + 1))
      expect(JSON.stringify(decode(bytewise))).toBe(reference)
      // The extractor decodes the whole body with the same decoder, so equal events mean equal usage.
      expect(comparable(extract(f), 'raw' in f.expected)).toStrictEqual(f.expected)
    })
  }

  test('the UTF-8 fixture really contains multi-byte characters', () => {
    const f = fixtures.find((x) => x.name === 'chat-stream-utf8.sse')
    expect(f).toBeDefined()
    if (f === undefined) return
    expect(f.body.some((b) => b >= 0xf0)).toBe(true) // 4-byte sequences (emoji)
    expect(f.body.some((b) => b >= 0xe0 && b < 0xf0)).toBe(true) // 3-byte sequences (CJK)
  })

  test('CRLF fixtures really use CRLF', () => {
    for (const name of ['openrouter-stream-crlf.sse', 'stream-sse.sse']) {
      const f = fixtures.find((x) => x.name === name)
      expect(new TextDecoder().decode(f?.body).includes('\r\n\r\n')).toBe(true)
    }
  })
})

describe('running totals are overwritten, never summed', () => {
  test('anthropic message_delta 50 then 137 → output 137, and a null input field keeps message_start', () => {
    const f = fixtures.find((x) => x.family === 'anthropic' && x.name === 'message-stream.sse')
    expect(f).toBeDefined()
    if (f === undefined) return
    const text = new TextDecoder().decode(f.body)
    expect(text).toContain('"output_tokens":50')
    expect(text).toContain('"input_tokens":null')
    const usage = extract(f).usage
    expect(usage?.outputTokens).toBe(137)
    expect(usage?.inputTokens).toBe(472 + 2048)
  })

  test('dashscope native and gemini take the last event, not the sum', () => {
    const ds = fixtures.find((x) => x.family === 'dashscope' && x.name === 'native-stream.sse')
    const gm = fixtures.find((x) => x.family === 'gemini' && x.name === 'stream-sse.sse')
    if (ds === undefined || gm === undefined) throw new Error('fixtures missing')
    expect(extract(ds).usage?.inputTokens).toBe(23)
    expect(extract(gm).usage?.reasoningTokens).toBe(133)
  })
})

describe('hostile input never throws', () => {
  const paths: Record<UsageFamily, string[]> = {
    openai: ['/v1/chat/completions', '/v1/responses', '/v1/audio/transcriptions'],
    anthropic: ['/v1/messages'],
    gemini: ['/v1beta/models/gemini-2.5-flash:streamGenerateContent', '/v1beta/openai/chat/completions'],
    dashscope: ['/api/v1/services/aigc/text-generation/generation', '/api/v1/tasks/x', '/compatible-mode/v1/chat/completions'],
    byteplus: ['/api/v3/chat/completions', '/api/v3/images/generations', '/api/v3/contents/generations/tasks/cgt-1'],
    mulerouter: ['/vendors/openai/v1/chat/completions', '/vendors/anthropic/v1/messages', '/vendors/kling/v1/m/a/1'],
    mock: ['/v1/chat/completions', '/v1/responses', '/v1/messages', '/v1/embeddings'],
  }
  const contentTypes = ['application/json', 'text/event-stream', '', 'application/octet-stream']
  let seed = 42
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed / 0x7fffffff
  }
  const randomBytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(random() * 256))
  const enc = new TextEncoder()
  const garbage: Uint8Array[] = [
    new Uint8Array(0),
    enc.encode('garbage'),
    enc.encode('<html><body>502 Bad Gateway</body></html>'),
    enc.encode('{"usage":'),
    enc.encode('['),
    enc.encode('[{"usageMetadata":{"promptTokenCount":'),
    enc.encode('data: {'),
    enc.encode('data: [DONE]\n\n'),
    enc.encode('null'),
    enc.encode('42'),
    enc.encode('"string"'),
    enc.encode('[1,2,3]'),
    enc.encode('{"usage":null}'),
    enc.encode('{"usage":"lots"}'),
    enc.encode('{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}'),
    new Uint8Array([0xff, 0xfe, 0x00, 0x01, 0x80, 0xc3]),
    randomBytes(64),
    randomBytes(4096),
  ]

  test('garbage, empty and binary bodies give usage null for every family, path and content type', () => {
    for (const family of FAMILIES) {
      for (const path of paths[family]) {
        for (const contentType of contentTypes) {
          for (const body of garbage) {
            let result: Extraction | undefined
            expect(() => {
              result = extractUsage({ family, path, contentType, body })
            }).not.toThrow()
            expect(result?.usage).toBeNull()
          }
        }
      }
    }
  })

  test('strange but valid JSON shapes do not throw', () => {
    const shapes = [
      '{"usage":{}}', '{"usage":{"prompt_tokens":"12","completion_tokens":null}}', '{"usage":[]}',
      '{"choices":null,"usage":{"input_tokens":-5,"output_tokens":1e400}}', '{"output":{"choices":"x"},"usage":{"plugins":7}}',
      '[{"candidates":[{"content":{"parts":null}}]},{"usageMetadata":5}]', '{"status":"succeeded","usage":{"completion_tokens":"x"}}',
      'data: {"type":"message_delta","usage":null}\n\ndata: {"type":"message_start","message":null}\n\n',
      'data: {"choices":[{"delta":null}],"usage":{"prompt_tokens":1}}\n\n', 'data:{"output":null,"usage":{"input_tokens":1}}\n\n',
    ]
    for (const family of FAMILIES) {
      for (const path of paths[family]) {
        for (const shape of shapes) {
          for (const contentType of ['application/json', 'text/event-stream']) {
            expect(() => extractUsage({ family, path, contentType, body: enc.encode(shape) })).not.toThrow()
          }
        }
      }
    }
  })

  test('every fixture cut at many points, or with bytes flipped, never throws', () => {
    for (const f of fixtures) {
      for (let i = 0; i <= f.body.length; i += 11) expect(() => extract(f, f.body.subarray(0, i))).not.toThrow()
      for (let k = 0; k < 5; k++) {
        const corrupted = f.body.slice()
        for (let j = 0; j < 8; j++) corrupted[Math.floor(random() * corrupted.length)] = Math.floor(random() * 256)
        expect(() => extract(f, corrupted)).not.toThrow()
        expect(() => extract(f, corrupted, true)).not.toThrow()
      }
    }
  })

  test('a JSON body that does not parse gives usage null', () => {
    const f = fixtures.find((x) => x.family === 'openai' && x.name === 'chat.json')
    if (f === undefined) throw new Error('fixture missing')
    expect(extract(f, f.body.subarray(0, f.body.length - 3)).usage).toBeNull()
  })
})

describe('head+tail truncated bodies (truncated: true)', () => {
  const enc = new TextEncoder()
  const cutMiddle = (body: Uint8Array, keepHead: number, keepTail: number): Uint8Array => {
    const out = new Uint8Array(keepHead + keepTail)
    out.set(body.subarray(0, keepHead))
    out.set(body.subarray(body.length - keepTail), keepHead)
    return out
  }

  test('openai JSON: the usage object in the kept tail is still found', () => {
    const big = JSON.stringify({
      id: 'chatcmpl-big', object: 'chat.completion', model: 'gpt-4o',
      choices: [{ index: 0, message: { role: 'assistant', content: 'x'.repeat(10000) }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 2500, total_tokens: 2510 },
    })
    const cut = cutMiddle(enc.encode(big), 80, 300) // head ends before the content string opens
    const input = { family: 'openai' as const, path: '/v1/chat/completions', contentType: 'application/json', body: cut }
    expect(extractUsage(input).usage).toBeNull()
    expect(extractUsage({ ...input, truncated: true }).usage).toEqual({
      inputTokens: 10, outputTokens: 2500, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0,
    })
  })

  test('gemini JSON array: the last usageMetadata in the tail wins', () => {
    const f = fixtures.find((x) => x.family === 'gemini' && x.name === 'stream-array.json')
    if (f === undefined) throw new Error('fixture missing')
    const text = new TextDecoder().decode(f.body)
    const lastUsage = text.lastIndexOf('"usageMetadata"')
    const cut = cutMiddle(f.body, 40, enc.encode(text.slice(lastUsage - 30)).length)
    expect(extract(f, cut, true).usage?.outputTokens).toBe(40)
  })

  test('SSE stream with a lost middle still yields the final usage chunk', () => {
    const f = fixtures.find((x) => x.family === 'openai' && x.name === 'chat-stream-include-usage.sse')
    if (f === undefined) throw new Error('fixture missing')
    const cut = cutMiddle(f.body, 150, 500)
    expect(extract(f, cut, true).usage?.inputTokens).toBe(19)
  })
})

describe('estimateUsage', () => {
  const enc = new TextEncoder()
  const count = (s: string): number => countTokens(s)

  test('chat messages: text of string and part contents plus per-message overhead', () => {
    const body = {
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: [{ type: 'text', text: 'Name three colours.' }, { type: 'image_url', image_url: { url: 'https://x' } }] },
      ],
    }
    const estimate = estimateUsage(enc.encode(JSON.stringify(body)), 'Red, green, blue.', openaiDialect.prompt)
    expect(estimate).toEqual({ note: null, usage: {
      inputTokens: count('You are terse.') + count('Name three colours.') + 8,
      outputTokens: count('Red, green, blue.'),
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    } })
  })

  test('anthropic system, responses input, prompt and embeddings inputs', () => {
    const anthropic = { system: [{ type: 'text', text: 'Be kind.' }], messages: [{ role: 'user', content: 'Hi' }] }
    expect(estimateUsage(enc.encode(JSON.stringify(anthropic)), '', anthropicDialect.prompt).usage.inputTokens).toBe(count('Be kind.') + count('Hi') + 4)
    expect(estimateUsage(enc.encode(JSON.stringify({ input: 'hello world' })), '', openaiDialect.prompt).usage.inputTokens).toBe(count('hello world'))
    expect(estimateUsage(enc.encode(JSON.stringify({ input: ['a b', 'c d'] })), '', openaiDialect.prompt).usage.inputTokens).toBe(count('a b') + count('c d'))
    expect(estimateUsage(enc.encode(JSON.stringify({ input: [[1, 2, 3]] })), '', openaiDialect.prompt).usage.inputTokens).toBe(3)
    expect(estimateUsage(enc.encode(JSON.stringify({ prompt: 'a cat' })), '', openaiDialect.prompt).usage.inputTokens).toBe(count('a cat'))
    const responses = { instructions: 'Rhyme.', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Moon' }] }] }
    expect(estimateUsage(enc.encode(JSON.stringify(responses)), '', openaiDialect.prompt).usage.inputTokens).toBe(count('Rhyme.') + count('Moon') + 4)
  })

  test('gemini contents and dashscope native input.messages', () => {
    const gemini = { contents: [{ role: 'user', parts: [{ text: 'Why is the sky blue?' }] }], systemInstruction: { parts: [{ text: 'Short.' }] } }
    expect(estimateUsage(enc.encode(JSON.stringify(gemini)), '', geminiDialect.prompt).usage.inputTokens).toBe(count('Why is the sky blue?') + count('Short.') + 4)
    const dashscope = { model: 'qwen-plus', input: { messages: [{ role: 'user', content: '你好' }] } }
    expect(estimateUsage(enc.encode(JSON.stringify(dashscope)), '', dashscopeDialect.prompt).usage.inputTokens).toBe(count('你好') + 4)
  })

  test('never throws: non-JSON bodies, special tokens, garbage', () => {
    expect(estimateUsage(enc.encode('--boundary\r\nContent-Disposition: form-data'), 'abc', openaiDialect.prompt).usage.inputTokens).toBe(0)
    expect(() => estimateUsage(new Uint8Array([0xff, 0x00, 0xfe]), '\ud800', openaiDialect.prompt)).not.toThrow()
    const special = { messages: [{ role: 'user', content: 'say <|endoftext|> now' }] }
    expect(estimateUsage(enc.encode(JSON.stringify(special)), '<|im_start|>', openaiDialect.prompt).usage.inputTokens).toBeGreaterThan(4)
    expect(estimateUsage(enc.encode('null'), '', openaiDialect.prompt).usage.inputTokens).toBe(0)
  })
})

describe('OpenAI chat streams: the usage chunk found from the end agrees with the full walk', () => {
  const sse = (...events: unknown[]) => new TextEncoder().encode(events.map((e) => `data: ${typeof e === 'string' ? e : JSON.stringify(e)}\n\n`).join(''))
  const delta = (content: string) => ({ object: 'chat.completion.chunk', model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content } }], usage: null })
  const usageChunk = (prompt: number, completion: number, model?: string) => ({
    object: 'chat.completion.chunk',
    ...(model ? { model } : {}),
    choices: [],
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  })
  const run = (body: Uint8Array) => extractUsage({ family: 'openai', path: '/v1/chat/completions', contentType: 'text/event-stream', body })

  test('usage-looking text inside the generated content does not fool it', () => {
    const body = sse(delta('{"usage":{"prompt_tokens":999}} and "usage": {"x":1}'), delta(' done'), usageChunk(7, 3, 'gpt-4o-mini'), '[DONE]')
    const x = run(body)
    expect(x.usage).toMatchObject({ inputTokens: 7, outputTokens: 3 })
    expect(x.model).toBe('gpt-4o-mini')
    expect(x.streamedText).toBe('{"usage":{"prompt_tokens":999}} and "usage": {"x":1} done')
    expect(x.incomplete).toBe(false)
  })

  test('the last usage wins, as in the full walk, and a spaced "usage": { is found too', () => {
    const spaced = new TextEncoder().encode(
      `data: ${JSON.stringify(usageChunk(1, 1, 'm'))}\n\ndata: {"object":"chat.completion.chunk","model":"m","choices":[],"usage": {"prompt_tokens":5,"completion_tokens":6}}\n\ndata: [DONE]\n\n`,
    )
    expect(run(spaced).usage).toMatchObject({ inputTokens: 5, outputTokens: 6 })
  })

  test('a usage chunk without a model, or split over two data lines, falls back to the full walk', () => {
    const noModel = run(sse(delta('Hi'), usageChunk(4, 2), '[DONE]'))
    expect(noModel.usage).toMatchObject({ inputTokens: 4, outputTokens: 2 })
    expect(noModel.model).toBe('gpt-4o-mini')
    const chunk = JSON.stringify(usageChunk(8, 9, 'm'))
    const cut = chunk.indexOf(',"usage"') + 1 // the joining newline lands between members: still valid JSON
    const split = new TextEncoder().encode(`data: ${JSON.stringify(delta('x'))}\n\ndata: ${chunk.slice(0, cut)}\ndata: ${chunk.slice(cut)}\n\ndata: [DONE]\n\n`)
    expect(run(split).usage).toMatchObject({ inputTokens: 8, outputTokens: 9 })
  })

  test('a Groq usage under x_groq is not mistaken for top-level usage', () => {
    const groq = sse(delta('Hi'), { object: 'chat.completion.chunk', model: 'llama', choices: [], x_groq: { usage: { prompt_tokens: 11, completion_tokens: 12 } } }, '[DONE]')
    expect(run(groq).usage).toMatchObject({ inputTokens: 11, outputTokens: 12 })
  })
})

describe('a JSON body the meter kept only the head and tail of', () => {
  test('Seedream with base64 images past 4 MiB still gives its usage, from the tail', () => {
    const image = 'A'.repeat(3 * 1024 * 1024)
    const text = JSON.stringify({ model: 'seedream-4-0-250828', data: [{ b64_json: image }, { b64_json: image }], usage: { generated_images: 2, output_tokens: 32768, total_tokens: 32768 } })
    // The head ends inside a key and the tail starts inside an image: the spliced text is no longer JSON.
    const cut = new TextEncoder().encode(text.slice(0, text.indexOf('b64_json') + 3) + text.slice(-2 * 1024 * 1024))
    expect(() => JSON.parse(new TextDecoder().decode(cut))).toThrow()
    const x = extractUsage({ family: 'byteplus', path: '/api/v3/images/generations', contentType: 'application/json', body: cut, truncated: true })
    expect(x.usage).toMatchObject({ images: 2, outputTokens: 32768 })
    expect(x.model).toBeUndefined()
  })
})
