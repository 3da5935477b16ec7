// Mock OpenAI upstream for the benchmark: fixed chat.completion JSON or a fixed 20-chunk SSE stream, no artificial delay.
// With the request header `x-bench-slow: 1` a streaming request instead gets 100 `data:` chunks 20 ms apart (≈2 s per
// stream, for the long-running memory soak), then [DONE].
// Usage: bun test/bench/mock-upstream.ts  → prints {"url":"http://127.0.0.1:<port>"} as its first stdout line.

const COMPLETION = JSON.stringify({
  id: 'chatcmpl-bench0000000000000000000000000',
  object: 'chat.completion',
  created: 1_750_000_000,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content:
          'Hello! This is a fixed benchmark reply from the mock upstream, about the size of a short real answer.',
        refusal: null,
        annotations: [],
      },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: {
    prompt_tokens: 12,
    completion_tokens: 48,
    total_tokens: 60,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  },
  service_tier: 'default',
  system_fingerprint: 'fp_bench',
})
const COMPLETION_BYTES = new TextEncoder().encode(COMPLETION)

const encoder = new TextEncoder()
const WORDS = ['Hello', ' there', '!', ' This', ' is', ' a', ' fixed', ' benchmark', ' stream', ' from', ' the', ' mock', ' upstream', ',', ' sent', ' without', ' any', ' delay', ' at', ' all']
function chunk(delta: Record<string, unknown>, finish: string | null, usage?: Record<string, number>): string {
  return `data: ${JSON.stringify({
    id: 'chatcmpl-bench0000000000000000000000000',
    object: 'chat.completion.chunk',
    created: 1_750_000_000,
    model: 'gpt-4o-mini-2024-07-18',
    system_fingerprint: 'fp_bench',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(usage ? { usage } : {}),
  })}\n\n`
}
// 20 `data:` chunks (role + 18 words + finish/usage), then [DONE]: pre-encoded once.
const SSE_CHUNKS: Uint8Array[] = [
  chunk({ role: 'assistant', content: '' }, null),
  ...WORDS.slice(0, 18).map((word) => chunk({ content: word }, null)),
  chunk({}, 'stop', { prompt_tokens: 12, completion_tokens: 18, total_tokens: 30 }),
  'data: [DONE]\n\n',
].map((text) => encoder.encode(text))

// Slow stream: role chunk, 98 one-word chunks, finish+usage chunk (100 `data:` chunks); [DONE] goes with the last one.
const SLOW_GAP_MS = 20
const SLOW_CHUNKS: Uint8Array[] = [
  chunk({ role: 'assistant', content: '' }, null),
  ...Array.from({ length: 98 }, (_, i) => chunk({ content: WORDS[i % WORDS.length]! }, null)),
  chunk({}, 'stop', { prompt_tokens: 12, completion_tokens: 98, total_tokens: 110 }) + 'data: [DONE]\n\n',
].map((text) => encoder.encode(text))

function slowStream(): ReadableStream<Uint8Array> {
  let index = 0
  let cancelled = false
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (index > 0) await Bun.sleep(SLOW_GAP_MS)
        if (cancelled) return
        controller.enqueue(SLOW_CHUNKS[index++]!)
        if (index === SLOW_CHUNKS.length) controller.close()
      },
      cancel() {
        cancelled = true
      },
    },
    { highWaterMark: 0 },
  )
}

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  idleTimeout: 60,
  async fetch(request) {
    const body = request.body ? await request.text() : ''
    if (/"stream"\s*:\s*true/.test(body)) {
      if (request.headers.get('x-bench-slow') === '1') {
        return new Response(slowStream(), { headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' } })
      }
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const piece of SSE_CHUNKS) controller.enqueue(piece)
          controller.close()
        },
      })
      return new Response(stream, { headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' } })
    }
    return new Response(COMPLETION_BYTES, { headers: { 'content-type': 'application/json', 'x-request-id': 'req_mock' } })
  },
})

process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.port}`, jsonBytes: COMPLETION_BYTES.byteLength })}\n`)

await import('./exit-with-parent.ts')

export {}
