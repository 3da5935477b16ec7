// Opt-in exact stream metering: ask an OpenAI-compatible upstream for include_usage, hide the extra usage chunk from the client.
import type { Dialect } from '../../providers/dialect.ts'
import { withinJsonBudget } from '../../wire/json-budget.ts'
import { SseDecoder } from '../../wire/sse-decoder.ts'

/** A streaming request on a path whose dialect speaks stream_options (see Dialect.includeUsage) that did not ask for usage itself. */
export function shouldInjectIncludeUsage(dialect: Dialect, path: string, json: Record<string, unknown> | undefined): boolean {
  if (!json || json.stream !== true || dialect.includeUsage?.(path) !== true) return false
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

const LF = 10
const CR = 13
/** An event this long without its blank line is passed on as it comes: the extra usage chunk is a few hundred bytes. */
const MAX_HELD_CHARS = 1024 * 1024

/** The usage-only chunk is a few dozen values; a generous bound that still keeps its parse in microseconds. */
const USAGE_EVENT_BUDGET = { nodes: 4096, values: 16_384, depth: 64 }

/** True for the extra chunk include_usage adds: `"choices":[]` with a usage object. The cheap test runs on every event. */
function isUsageOnlyEvent(event: string): boolean {
  if (!/"choices"\s*:\s*\[\s*\]/.test(event)) return false
  // Only a candidate is parsed, by the same decoder the meter uses, so "data:" lines, comments and CR line ends read alike.
  const decoder = new SseDecoder()
  // end(): the stream's last event may lack its blank line.
  const decoded = [...decoder.pushText(event), ...decoder.end()]
  if (decoded.length !== 1) return false
  // An upstream event of up to MAX_HELD_CHARS is parsed on the proxy thread: one holding more values than any usage chunk is passed on.
  if (!withinJsonBudget(encoder.encode(decoded[0]!.data), USAGE_EVENT_BUDGET)) return false
  try {
    const chunk = JSON.parse(decoded[0]!.data) as { choices?: unknown; usage?: unknown }
    return Array.isArray(chunk.choices) && chunk.choices.length === 0 && typeof chunk.usage === 'object' && chunk.usage !== null
  } catch {
    return false
  }
}

/**
 * Passes SSE events through as soon as each is complete, dropping the usage-only event.
 * Bytes of an event are held only until its terminating blank line arrives; lines may end in CRLF, LF or a bare CR,
 * as the event-stream format allows. Every byte that is not the dropped event goes out unchanged.
 */
export function withoutUsageChunk(source: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = source.getReader()
  const decoder = new TextDecoder()
  let pending = ''
  /** Next character of `pending` to look at, and where its current line began (-1: before `pending`, not blank). */
  let scan = 0
  let lineStart = 0
  /** The last event was cut at a CR that ended the text: a LF opening the next text completes that CRLF. */
  let cutAtCr = false
  let lastDropped = false
  /** Part of the current event already went out (it outgrew MAX_HELD_CHARS): the rest of it goes out too. */
  let passingThrough = false

  const cut = (text: string): string => {
    let out = ''
    if (cutAtCr && text.length > 0) {
      cutAtCr = false
      if (text.charCodeAt(0) === LF) {
        if (!lastDropped) out += '\n'
        text = text.slice(1)
      }
    }
    pending += text
    while (scan < pending.length) {
      const c = pending.charCodeAt(scan)
      if (c !== LF && c !== CR) {
        scan++
        continue
      }
      const blank = scan === lineStart
      let next = scan + 1
      if (c === CR) {
        if (next === pending.length) {
          // A line's CR at the end: its LF may follow. A blank line's CR ends the event now (no wait for the next chunk).
          if (!blank) break
          cutAtCr = true
        } else if (pending.charCodeAt(next) === LF) next++
      }
      scan = lineStart = next
      if (!blank) continue
      const event = pending.slice(0, next)
      pending = pending.slice(next)
      scan = lineStart = 0
      lastDropped = !passingThrough && isUsageOnlyEvent(event)
      passingThrough = false
      if (!lastDropped) out += event
    }
    if (scan > MAX_HELD_CHARS) {
      out += pending.slice(0, scan)
      pending = pending.slice(scan)
      lineStart = lineStart === scan ? 0 : -1
      scan = 0
      passingThrough = true
    }
    return out
  }

  return new ReadableStream<Uint8Array>(
    {
      async pull(sink) {
        for (;;) {
          const { done, value } = await reader.read()
          if (done) {
            const rest = cut(decoder.decode())
            if (rest) sink.enqueue(encoder.encode(rest))
            if (pending && (passingThrough || !isUsageOnlyEvent(pending))) sink.enqueue(encoder.encode(pending))
            sink.close()
            return
          }
          const out = cut(decoder.decode(value, { stream: true }))
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
