// Server-sent events framing over a byte stream: `event:`, `data:`, comments, blank-line dispatch, bounded per event.
import { APIError } from './errors.ts'

/** One SSE line (and one event's data) may not exceed this many characters; more is cut with an error. */
export const MAX_EVENT_CHARS = 16 * 1024 * 1024

export interface ServerSentEvent {
  event: string | null
  data: string
}

/** Lines of a byte stream, split on LF, CRLF or CR, decoded as UTF-8 across chunk boundaries. */
async function* lines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder()
  let buffer = ''
  for await (const chunk of chunks) {
    buffer += decoder.decode(chunk, { stream: true })
    let start = 0
    for (let i = 0; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i)
      if (c !== 10 && c !== 13) continue
      // A CR at the end of the buffer may be the first half of a CRLF: wait for the next chunk.
      if (c === 13 && i === buffer.length - 1) break
      yield buffer.slice(start, i)
      if (c === 13 && buffer.charCodeAt(i + 1) === 10) i++
      start = i + 1
    }
    buffer = buffer.slice(start)
    if (buffer.length > MAX_EVENT_CHARS) throw new APIError("A server-sent event line exceeds the SDK's 16 MiB limit.")
  }
  buffer += decoder.decode()
  if (buffer.endsWith('\r')) buffer = buffer.slice(0, -1)
  if (buffer) yield buffer
}

export async function* events(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  let event: string | null = null
  let data: string[] = []
  let size = 0
  for await (const line of lines(chunks)) {
    if (line === '') {
      if (data.length) yield { event, data: data.join('\n') }
      event = null
      data = []
      size = 0
      continue
    }
    if (line.startsWith(':')) continue
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') {
      size += value.length
      if (size > MAX_EVENT_CHARS) throw new APIError("A server-sent event exceeds the SDK's 16 MiB limit.")
      data.push(value)
    } else if (field === 'event') {
      event = value
    }
  }
  if (data.length) yield { event, data: data.join('\n') }
}
