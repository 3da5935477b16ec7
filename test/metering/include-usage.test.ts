// The include_usage filter drops only the usage-only chunk, whatever line ends (CR, LF, CRLF) and chunking the upstream uses.
import { describe, expect, test } from 'bun:test'
import { withoutUsageChunk } from '../../src/metering/proxy/include-usage.ts'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

const CONTENT = 'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hi"}}],"usage":null}'
const USAGE = 'data: {"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}'
const DONE = 'data: [DONE]'

function streamOf(chunks: readonly string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk))
      controller.close()
    },
  })
}

async function filtered(chunks: readonly string[]): Promise<string> {
  return new Response(withoutUsageChunk(streamOf(chunks))).text()
}

/** Every way to cut `text` in two, plus one byte at a time and all at once. */
function chunkings(text: string): string[][] {
  const out: string[][] = [[text], [...text]]
  for (let i = 1; i < text.length; i++) out.push([text.slice(0, i), text.slice(i)])
  return out
}

describe('withoutUsageChunk', () => {
  for (const [name, eol] of [['bare CR', '\r'], ['LF', '\n'], ['CRLF', '\r\n']] as const) {
    test(`${name} line ends: only the usage chunk goes, every other byte is kept, for any chunking`, async () => {
      const event = (line: string) => `${line}${eol}${eol}`
      const input = event(': keep-alive comment') + event(CONTENT) + event(USAGE) + event(DONE)
      const expected = event(': keep-alive comment') + event(CONTENT) + event(DONE)
      for (const chunks of chunkings(input)) expect({ chunks, out: await filtered(chunks) }).toEqual({ chunks, out: expected })
    })
  }

  test('mixed line ends, a CR and its LF in different chunks, and a dangling LF after the dropped chunk', async () => {
    const input = `${CONTENT}\r\n\r\n${USAGE}\r\r\n${CONTENT}\r\r${DONE}\n\n`
    const expected = `${CONTENT}\r\n\r\n${CONTENT}\r\r${DONE}\n\n`
    for (const chunks of chunkings(input)) expect({ chunks, out: await filtered(chunks) }).toEqual({ chunks, out: expected })
  })

  test('a bare-CR event reaches the client as soon as it is complete, not at the end of the stream', async () => {
    let controller!: ReadableStreamDefaultController<Uint8Array>
    const source = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) })
    const reader = withoutUsageChunk(source).getReader()
    controller.enqueue(encoder.encode(`${CONTENT}\r\r`))
    const first = await Promise.race([reader.read(), Bun.sleep(2_000).then(() => 'held back' as const)])
    expect(first === 'held back' ? first : decoder.decode(first.value)).toBe(`${CONTENT}\r\r`)
    controller.close()
    await reader.cancel()
  })

  test('a usage-looking string inside content is not the usage chunk', async () => {
    const tricky = 'data: {"choices":[{"delta":{"content":"\\"choices\\":[], \\"usage\\":{}"}}]}\r\r'
    expect(await filtered([tricky, `${USAGE}\r\r`])).toBe(tricky)
  })

  test('an event that never ends is passed on once it outgrows the hold, and its tail is not mistaken for usage', async () => {
    const huge = `data: {"choices":[{"delta":{"content":"${'x'.repeat(1_100_000)}"}}]`
    const tail = `,"choices":[],"usage":{"total_tokens":1}}\r\r`
    expect(await filtered([huge, tail, `${DONE}\r\r`])).toBe(huge + tail + `${DONE}\r\r`)
  })
})
