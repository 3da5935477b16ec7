// Response builders the mock upstream's wire formats share: JSON bodies, SSE streams, ids, provider-shaped errors.

const encoder = new TextEncoder()

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
}

/** One SSE event: an optional `event:` line, then the JSON data line, then the blank line that ends it. */
export function sseEvent(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`
}

/** A stream of already-built events, one chunk each, as a real upstream flushes them. */
export function sseResponse(events: readonly string[]): Response {
  let next = 0
  const body = new ReadableStream<Uint8Array>({
    pull(sink) {
      if (next < events.length) sink.enqueue(encoder.encode(events[next++]!))
      else sink.close()
    },
  })
  return new Response(body, { headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' } })
}

export function mockId(prefix: string): string {
  return `${prefix}${crypto.randomUUID().replace(/-/g, '').slice(0, 24)}`
}

export function openAIError(status: number, message: string, code: string | null, type = 'invalid_request_error'): Response {
  return jsonResponse({ error: { message, type, param: null, code } }, status)
}

export function anthropicError(status: number, message: string, type = 'invalid_request_error'): Response {
  return jsonResponse({ type: 'error', error: { type, message } }, status)
}
