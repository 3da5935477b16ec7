// Turning an untrusted, possibly cut response body into JSON values or SSE events, without ever throwing.
import { SseDecoder, type SseEvent } from './sse-decoder.ts'

export type Json = unknown

export function bodyText(body: Uint8Array): string {
  return new TextDecoder('utf-8').decode(body)
}

export function isEventStream(contentType: string): boolean {
  return contentType.toLowerCase().includes('text/event-stream')
}

/** Some upstreams (and some proxies in front of them) label streams wrongly; the first line tells. */
export function looksLikeEventStream(text: string): boolean {
  return /^\s*(data|event|id|retry)\s*:|^\s*:/.test(text.slice(0, 64))
}

export function parseJson(text: string): Json | undefined {
  try {
    return JSON.parse(text) as Json
  } catch {
    return undefined
  }
}

/** Events of a whole body, from the text the extractor already decoded (decoding it again would cost a copy). */
export function sseEvents(text: string): SseEvent[] {
  const decoder = new SseDecoder()
  return [...decoder.pushText(text), ...decoder.end()]
}

/** Parsed `data:` payloads; `[DONE]` and non-JSON payloads come back as undefined json. */
export function sseJson(events: SseEvent[]): { event?: string; data: string; json: Json | undefined }[] {
  return events.map((ev) => ({ event: ev.event, data: ev.data, json: ev.data === '[DONE]' ? undefined : parseJson(ev.data) }))
}

/**
 * Elements of a top-level JSON array that may be cut anywhere (Gemini streamGenerateContent without
 * alt=sse): every element whose closing brace arrived is returned; `closed` says whether `]` arrived.
 */
export function jsonArrayElements(text: string): { elements: Json[]; closed: boolean } {
  const elements: Json[] = []
  const open = text.indexOf('[')
  if (open === -1) return { elements, closed: false }
  let depth = 0
  let start = -1
  let inString = false
  let escaped = false
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (escaped) escaped = false
      else if (c === '\\') escaped = true
      else if (c === '"') inString = false
      continue
    }
    if (c === '"') {
      inString = true
    } else if (c === '{' || c === '[') {
      if (depth === 0) start = i
      depth++
    } else if (c === '}' || c === ']') {
      if (depth === 0) return { elements, closed: c === ']' }
      depth--
      if (depth === 0 && start !== -1) {
        const value = parseJson(text.slice(start, i + 1))
        if (value !== undefined) elements.push(value)
        start = -1
      }
    }
  }
  return { elements, closed: false }
}

/** The real object is the last or nearly the last occurrence of its key: the tail ends with it. */
const MAX_KEY_TRIES = 16

/**
 * When the meter kept only head and tail of a huge body the JSON cannot parse, but the usage object
 * usually sits in the tail: find the last `"key": {...}` whose braces balance and parse just that.
 */
export function lastObjectAfterKey(text: string, key: string): Record<string, unknown> | undefined {
  const needle = `"${key}"`
  let at = text.lastIndexOf(needle)
  // Each try scans to the end of its object (or of the text): without a bound on the tries, a tail made of
  // `"usage":{"a":"` repeated costs quadratic time (measured: 550 KiB, 48 s of the metering worker).
  let tries = 0
  while (at !== -1 && tries++ < MAX_KEY_TRIES) {
    const found = objectAt(text, at + needle.length)
    if (found !== undefined) return found
    at = at === 0 ? -1 : text.lastIndexOf(needle, at - 1)
  }
  return undefined
}

function objectAt(text: string, from: number): Record<string, unknown> | undefined {
  let i = from
  while (i < text.length && /\s/.test(text[i] ?? '')) i++
  if (text[i] !== ':') return undefined
  i++
  while (i < text.length && /\s/.test(text[i] ?? '')) i++
  if (text[i] !== '{') return undefined
  const start = i
  let depth = 0
  let inString = false
  let escaped = false
  for (; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (escaped) escaped = false
      else if (c === '\\') escaped = true
      else if (c === '"') inString = false
    } else if (c === '"') inString = true
    else if (c === '{' || c === '[') depth++
    else if (c === '}' || c === ']') {
      depth--
      if (depth === 0) {
        const value = parseJson(text.slice(start, i + 1))
        return isRecord(value) ? value : undefined
      }
    }
  }
  return undefined
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Content-type decides; a body that is plainly SSE under a wrong label is still read as SSE. */
export function isStreamBody(contentType: string, text: string): boolean {
  if (isEventStream(contentType)) return true
  const head = text.trimStart()
  if (head.startsWith('{') || head.startsWith('[')) return false
  return looksLikeEventStream(text)
}
