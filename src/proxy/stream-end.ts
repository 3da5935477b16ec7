// Whether a stream's delivered bytes end with its wire format's terminal event: kept as chunk references, read once.
import type { UsageFamily } from '../types/usage.ts'

/** Asked once per stream that ended before its upstream closed it, with the last chunks it delivered, in order. */
export type ReachedEnd = (tail: readonly Uint8Array[]) => boolean

/**
 * How much of a stream's end is kept (by reference: the chunks already exist) for that one question. A terminal
 * event longer than this (a Responses `response.completed` carrying a huge output) is not seen here; the meter
 * worker, which decodes the whole recorded body, still marks such a row complete.
 */
export const TAIL_WINDOW_BYTES = 256 * 1024

/** The last chunks of a stream, at least TAIL_WINDOW_BYTES of them when there are: O(1) amortized per chunk. */
export class StreamTail {
  private parts: Uint8Array[] = []
  /** Index of the oldest kept chunk: older slots hold nothing, and the array is compacted now and then. */
  private start = 0
  private bytes = 0

  push(chunk: Uint8Array): void {
    this.parts.push(chunk)
    this.bytes += chunk.byteLength
    while (this.parts.length - this.start > 1 && this.bytes - this.parts[this.start]!.byteLength >= TAIL_WINDOW_BYTES) {
      this.bytes -= this.parts[this.start]!.byteLength
      // Let go of the chunk itself at once; only its slot waits for the compaction.
      this.parts[this.start++] = CUT
    }
    if (this.start >= 1024 && this.start * 2 >= this.parts.length) {
      this.parts = this.parts.slice(this.start - 1)
      this.start = 1
    }
  }

  /** In order; a leading CUT when older chunks were let go (the window does not begin at the stream's first byte). */
  chunks(): readonly Uint8Array[] {
    return this.start > 0 ? this.parts.slice(this.start - 1) : this.parts
  }
}

/** Marks a window that does not begin at the stream's start (so a first event without a blank line before it is a fragment). */
const CUT = new Uint8Array(0)

/** The last event of each OpenAI-shaped stream that has one (as the meter's extractor reads them). */
const OPENAI_TERMINAL = new Set([
  'response.completed', 'response.incomplete', 'response.failed',
  'image_generation.completed', 'image_edit.completed', 'transcript.text.done',
])

interface LastEvent {
  /** The `event:` field, or "". */
  name: string
  /** The `data:` lines joined, as the SSE spec does. */
  data: string
}

/** The last whole SSE event in `text` (the stream's end); undefined when its start is outside the window. */
function lastEvent(text: string, complete: boolean): LastEvent | undefined {
  const end = text.trimEnd()
  const boundary = Math.max(end.lastIndexOf('\n\n'), end.lastIndexOf('\r\n\r\n'), end.lastIndexOf('\r\r'))
  if (boundary < 0 && !complete) return undefined
  let name = ''
  const data: string[] = []
  for (const line of end.slice(boundary + 1).split(/\r\n|\r|\n/)) {
    if (line.startsWith('event:')) name = line.slice(6).trim()
    else if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5))
  }
  return { name, data: data.join('\n') }
}

/** `{"type":"x",…` → "x", read from the front without parsing what may be a very large object. */
function leadingType(data: string): string | undefined {
  return /^\s*\{\s*"type"\s*:\s*"([^"\\]{1,64})"/.exec(data)?.[1]
}

function tailText(tail: readonly Uint8Array[]): { text: string; complete: boolean } {
  const complete = tail[0] !== CUT
  // latin1: a byte per character, no validation; every marker looked for is ASCII.
  return { text: Buffer.concat(tail as Uint8Array[]).toString('latin1'), complete }
}

/** OpenAI and its compatibles: `[DONE]` (chat), or a Responses, image or transcript terminal event. */
function openaiEnded(event: LastEvent): boolean {
  if (event.data.trim() === '[DONE]') return true
  const type = event.name || leadingType(event.data)
  return type !== undefined && OPENAI_TERMINAL.has(type)
}

function anthropicEnded(event: LastEvent): boolean {
  return (event.name || leadingType(event.data)) === 'message_stop'
}

/**
 * Gemini marks its last chunk with a finishReason. With alt=sse that chunk is the last event; without, the stream is
 * one JSON array, closed by `]` (JSON strings escape newlines, so a line starting `data:` means SSE).
 */
function geminiEnded(text: string, complete: boolean): boolean {
  if (!/(^|\n)data:/.test(text)) {
    const end = text.trimEnd()
    return end.endsWith(']') && end.lastIndexOf('"finishReason"') > end.lastIndexOf('"candidates"')
  }
  const event = lastEvent(text, complete)
  return event !== undefined && event.data.includes('"finishReason"')
}

/** The check for one route's responses; families with no terminal event the gateway knows get none. */
export function streamEndCheck(family: UsageFamily, path: string): ReachedEnd | undefined {
  const sse = (ended: (event: LastEvent) => boolean): ReachedEnd => (chunks) => {
    const { text, complete } = tailText(chunks)
    const event = lastEvent(text, complete)
    return event !== undefined && ended(event)
  }
  if (family === 'gemini' && !path.includes('/openai/')) {
    return (chunks) => {
      const { text, complete } = tailText(chunks)
      return geminiEnded(text, complete)
    }
  }
  if (family === 'anthropic') return sse(anthropicEnded)
  // BytePlus chat is OpenAI's wire format, and its Seedream streams end with image_generation.completed.
  if (family === 'openai' || family === 'gemini' || family === 'byteplus' || (family === 'dashscope' && path.includes('/compatible-mode/'))) return sse(openaiEnded)
  // DashScope's native stream and MuleRouter's vendor shapes have no terminal event of their own: the upstream closes.
  return undefined
}
