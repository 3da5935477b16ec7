// The meter inflates an upstream's compressed body as a bounded stream: every coding, cut streams, bombs, chains.
import { describe, expect, test } from 'bun:test'
import * as zlib from 'node:zlib'
import { inflateForMeter, inflateLimit, readMeterBody } from '../../src/metering/worker/decompress.ts'
import { inflateSmallSync } from '../../src/wire/inflate-small.ts'
import { KEEP_WHOLE_BYTES } from '../../src/metering/protocol/response-recorder.ts'
import { extractUsage as extractFor } from '../../src/providers/provider-wire.ts'
import { builtInProvider } from '../../src/providers/registry.ts'

const MiB = 1024 * 1024
const sse = Buffer.from('data: {"choices":[{"index":0,"delta":{"content":"hello"}}]}\n\n'.repeat(2_000))
/** Not compressible much: bytes that must come back exactly. */
const noise = Buffer.from(crypto.getRandomValues(new Uint8Array(300_000)))

const encoders: Record<string, (b: Uint8Array) => Uint8Array> = {
  gzip: (b) => zlib.gzipSync(b),
  deflate: (b) => zlib.deflateSync(b),
  br: (b) => zlib.brotliCompressSync(b),
  zstd: (b) => zlib.zstdCompressSync(b),
}

describe('every coding the meter reads', () => {
  for (const [coding, encode] of Object.entries(encoders)) {
    test(`${coding}: small and incompressible bodies come back whole`, async () => {
      for (const body of [sse, noise]) {
        const inflated = await inflateForMeter(encode(body), coding)
        expect(Buffer.from(inflated.body).equals(body)).toBe(true)
        expect(inflated).toMatchObject({ truncated: false, note: null })
      }
    })
  }

  test('stacked codings come off in reverse order; identity and case of spacing are ignored', async () => {
    const stacked = zlib.brotliCompressSync(zlib.gzipSync(sse))
    const inflated = await inflateForMeter(stacked, 'gzip, identity,br')
    expect(Buffer.from(inflated.body).equals(sse)).toBe(true)
  })

  test('a stream cut mid-way (an aborted response) yields what it decodes to', async () => {
    const whole = zlib.gzipSync(noise)
    const inflated = await inflateForMeter(whole.subarray(0, whole.length / 2), 'gzip')
    expect(inflated.body.byteLength).toBeGreaterThan(100_000)
    expect(Buffer.from(inflated.body).equals(noise.subarray(0, inflated.body.byteLength))).toBe(true)
  })

  test('garbage and unknown codings are refused, and readMeterBody turns that into a detail, not a throw', async () => {
    await expect(inflateForMeter(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 'gzip')).rejects.toThrow()
    await expect(inflateForMeter(sse, 'compress')).rejects.toThrow('unsupported content-encoding "compress"')
    const read = await readMeterBody({ body: new Uint8Array([1, 2, 3]), contentEncoding: 'br, gzip', truncated: false })
    expect(read.bytes).toBeNull()
    expect(read.detail).toStartWith('could not decompress the response (br, gzip)')
  })
})

describe('bombs', () => {
  /** gzip of `members` × 64 MiB of zeros, as one multi-member body (gunzip reads every member). */
  const gzipBomb = (members: number) => {
    const member = zlib.gzipSync(new Uint8Array(64 * MiB), { level: 6 })
    return Buffer.concat(Array.from({ length: members }, () => member))
  }

  test('the limit: never under the window, 128 times the compressed size, never over 64 MiB', () => {
    expect(inflateLimit(1_000)).toBe(KEEP_WHOLE_BYTES)
    expect(inflateLimit(256 * 1024)).toBe(32 * MiB)
    expect(inflateLimit(1 * MiB)).toBe(64 * MiB)
  })

  for (const [coding, make] of [
    ['gzip', () => gzipBomb(16)], // 1 GiB
    ['br', () => zlib.brotliCompressSync(new Uint8Array(256 * MiB), { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 2 } })],
    ['zstd', () => zlib.zstdCompressSync(new Uint8Array(256 * MiB))],
    ['deflate', () => zlib.deflateSync(new Uint8Array(256 * MiB), { level: 6 })],
  ] as const) {
    test(`${coding}: inflation stops at the limit, keeps only the window and says so`, async () => {
      const bomb = make()
      const limit = inflateLimit(bomb.byteLength)
      const before = process.memoryUsage().rss
      const inflated = await inflateForMeter(bomb, coding)
      const grown = process.memoryUsage().rss - before
      expect(inflated.truncated).toBe(true)
      // The window: a 512 KiB head and a rolling 2 MiB tail (plus the chunk that crossed it).
      expect(inflated.body.byteLength).toBeLessThanOrEqual(KEEP_WHOLE_BYTES)
      expect(inflated.note).toBe(`the response inflates to more than ${limit} bytes from ${bomb.byteLength} compressed; the meter decoded only that much`)
      // Generous: the whole output would be 256 MiB to 1 GiB.
      expect(grown).toBeLessThan(128 * MiB)
    }, 30_000)
  }

  test('a zstd frame asking for a window over 8 MiB is refused instead of allocated', async () => {
    // 16 MiB of noise repeated: only a window over 8 MiB finds the repeat, so the encoder asks for one.
    const noise16 = Buffer.concat(Array.from({ length: 256 }, () => crypto.getRandomValues(new Uint8Array(65_536))))
    const frame = zlib.zstdCompressSync(Buffer.concat([noise16, noise16]), {
      params: { [zlib.constants.ZSTD_c_windowLog]: 25, [zlib.constants.ZSTD_c_enableLongDistanceMatching]: 1 },
    })
    await expect(inflateForMeter(frame, 'zstd')).rejects.toThrow()
  })
})

test('a large real response (6 MiB of JSON, gzip) is read through: the window keeps its tail, and with it the usage', async () => {
  // 4.5 MiB of noise as base64: compresses little, like the base64 images some responses carry.
  const content = Buffer.concat(Array.from({ length: 72 }, () => crypto.getRandomValues(new Uint8Array(65_536)))).toString('base64')
  const json = JSON.stringify({ id: 'x', object: 'chat.completion', model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content } }], usage: { prompt_tokens: 21, completion_tokens: 34, total_tokens: 55 } })
  const read = await readMeterBody({ body: zlib.gzipSync(json), contentEncoding: 'gzip', truncated: false })
  expect(read).toMatchObject({ truncated: true, detail: null })
  expect(read.bytes!.byteLength).toBeLessThanOrEqual(KEEP_WHOLE_BYTES)
  const extraction = extractFor(builtInProvider('openai')!, { path: '/v1/chat/completions', contentType: 'application/json', body: read.bytes!, truncated: read.truncated })
  expect(extraction.usage).toMatchObject({ inputTokens: 21, outputTokens: 34 })
})

describe('inflateSmallSync (object answers read on the proxy thread)', () => {
  const json = new TextEncoder().encode(JSON.stringify({ id: 'file-abc', object: 'file', bytes: 12 }))
  const zeros = new Uint8Array(64 * 1024 * 1024)
  const codings: [string, (b: Uint8Array) => Uint8Array][] = [
    ['gzip', (b) => zlib.gzipSync(b)],
    ['deflate', (b) => zlib.deflateSync(b)],
    ['br', (b) => zlib.brotliCompressSync(b)],
    ['zstd', (b) => zlib.zstdCompressSync(b)],
  ]
  for (const [coding, compress] of codings) {
    test(`${coding}: a small answer round-trips, a bomb throws at the cap instead of inflating 64 MiB`, () => {
      expect(Buffer.from(inflateSmallSync(compress(json), coding, 1024 * 1024)).equals(Buffer.from(json))).toBe(true)
      const bomb = compress(zeros)
      expect(() => inflateSmallSync(bomb, coding, 1024 * 1024)).toThrow()
    })
  }
  test('no coding: the bytes as they are', () => {
    expect(inflateSmallSync(json, '', 10)).toBe(json)
  })
})
