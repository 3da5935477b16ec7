// Micro-measurement of the stream pump (`bun test/bench/pump-cpu.ts`): CPU µs per chunk of forward() alone, no server in front.
// Runs PUMP_STREAMS concurrent paced streams (the mock's 100-chunk slow stream, one chunk per 20 ms) through forward()
// in this process, PUMP_ROUNDS times, and prints this process's user+system CPU per chunk for each round. The mock
// upstream is a child process, so its CPU is not counted. PUMP_IDLE_MS / PUMP_HEADERS_MS set the two deadlines
// (default idle 1 s < headers 10 s: the case where the watchdog is re-armed once when the headers arrive).
// PUMP_TAIL=0 leaves out the terminal-event tail window (on by default, as the proxy runs it for OpenAI routes).
import { forward } from '../../src/proxy/forward.ts'
import { builtInProvider } from '../../src/providers/registry.ts'
import { streamEndCheck } from '../../src/proxy/stream-end.ts'
import { BUN, killAll, readFirstLine, track } from './processes.ts'

const STREAMS = Number(process.env.PUMP_STREAMS ?? 100)
const ROUNDS = Number(process.env.PUMP_ROUNDS ?? 5)
const IDLE_MS = Number(process.env.PUMP_IDLE_MS ?? 1_000)
const HEADERS_MS = Number(process.env.PUMP_HEADERS_MS ?? 10_000)
const reachedEnd = process.env.PUMP_TAIL === '0' ? undefined : streamEndCheck(builtInProvider('openai')!, '/v1/chat/completions')

const mock = track(Bun.spawn([BUN, `${import.meta.dir}/mock-upstream.ts`], { stdout: 'pipe', stderr: 'inherit', stdin: 'ignore' }))
const { url } = JSON.parse(await readFirstLine(mock, 10_000)) as { url: string }
const body = new TextEncoder().encode(JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [] }))

/** One stream through forward(), read to the end by a plain reader (as Bun.serve would); returns its chunk count. */
async function oneStream(): Promise<number> {
  const response = await forward({
    url: `${url}/v1/chat/completions`,
    method: 'POST',
    headers: new Headers({ 'content-type': 'application/json', 'x-bench-slow': '1' }),
    body,
    clientSignal: new AbortController().signal,
    headersTimeoutMs: HEADERS_MS,
    idleTimeoutMs: IDLE_MS,
    requestId: 'req_bench',
    startedAt: Date.now(),
    observer: { onChunk() {}, onEnd() {} },
    ...(reachedEnd ? { reachedEnd } : {}),
  })
  const reader = response.body!.getReader()
  let chunks = 0
  for (;;) {
    const { done } = await reader.read()
    if (done) return chunks
    chunks++
  }
}

try {
  await Promise.all(Array.from({ length: 10 }, oneStream)) // warm-up: JIT and keep-alive connections
  const perChunk: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    Bun.gc(true)
    const before = process.cpuUsage()
    const chunks = (await Promise.all(Array.from({ length: STREAMS }, oneStream))).reduce((a, b) => a + b, 0)
    const used = process.cpuUsage(before)
    const us = (used.user + used.system) / chunks
    perChunk.push(us)
    console.log(`round ${round + 1}: ${STREAMS} streams, ${chunks} chunks, ${us.toFixed(2)} µs CPU per chunk`)
  }
  const sorted = [...perChunk].sort((a, b) => a - b)
  console.log(`median ${sorted[sorted.length >> 1]!.toFixed(2)} µs CPU per chunk (idle ${IDLE_MS} ms, headers ${HEADERS_MS} ms)`)
} finally {
  await killAll()
}
