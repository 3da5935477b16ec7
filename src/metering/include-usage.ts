// Opt-in exact stream metering: ask an OpenAI-compatible upstream for include_usage, hide the extra usage chunk from the client.
import type { UsageFamily } from './usage-types.ts'

const OPENAI_SHAPED: ReadonlySet<UsageFamily> = new Set(['openai', 'byteplus', 'dashscope', 'gemini', 'mulerouter', 'mock'])

export function shouldInjectIncludeUsage(family: UsageFamily, path: string, json: Record<string, unknown> | undefined): boolean {
  if (!OPENAI_SHAPED.has(family) || !path.endsWith('/chat/completions') || !json || json.stream !== true) return false
  // Native (non-compatible) surfaces of these families do not speak stream_options.
  if (family === 'dashscope' && !path.startsWith('/compatible-mode/')) return false
  if (family === 'gemini' && !path.includes('/openai/')) return false
  const options = json.stream_options
  return !(options && typeof options === 'object' && (options as Record<string, unknown>).include_usage === true)
}

const encoder = new TextEncoder()

/** Adds stream_options.include_usage; when the client sent no stream_options, only a prefix is inserted and every other byte is kept. */
export function injectIncludeUsage(body: Uint8Array, json: Record<string, unknown>): Uint8Array {
  if (json.stream_options === undefined) {
    const open = body.indexOf(0x7b)
    const insert = encoder.encode('"stream_options":{"include_usage":true},')
    const out = new Uint8Array(body.byteLength + insert.byteLength)
    out.set(body.subarray(0, open + 1), 0)
    out.set(insert, open + 1)
    out.set(body.subarray(open + 1), open + 1 + insert.byteLength)
    return out
  }
  const options = typeof json.stream_options === 'object' && json.stream_options !== null ? json.stream_options : {}
  return encoder.encode(JSON.stringify({ ...json, stream_options: { ...options, include_usage: true } }))
}

/** True for the extra chunk include_usage adds: `"choices":[]` with a usage object. */
function isUsageOnlyEvent(event: string): boolean {
  return /"choices"\s*:\s*\[\s*\]/.test(event) && /"usage"\s*:\s*\{/.test(event)
}

/**
 * Passes SSE events through as soon as each is complete, dropping the usage-only event.
 * Bytes of an event are held only until its terminating blank line arrives.
 */
export function withoutUsageChunk(source: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = source.getReader()
  const decoder = new TextDecoder()
  let pending = ''
  return new ReadableStream<Uint8Array>(
    {
      async pull(sink) {
        for (;;) {
          const { done, value } = await reader.read()
          if (done) {
            pending += decoder.decode()
            if (pending && !isUsageOnlyEvent(pending)) sink.enqueue(encoder.encode(pending))
            sink.close()
            return
          }
          pending += decoder.decode(value, { stream: true })
          let out = ''
          for (;;) {
            const match = /\r?\n\r?\n/.exec(pending)
            if (!match) break
            const end = match.index + match[0].length
            const event = pending.slice(0, end)
            pending = pending.slice(end)
            if (!isUsageOnlyEvent(event)) out += event
          }
          if (out) {
            sink.enqueue(encoder.encode(out))
            return
          }
        }
      },
      cancel(reason) {
        return reader.cancel(reason)
      },
    },
    { highWaterMark: 0 },
  )
}
