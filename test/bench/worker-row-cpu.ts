// Micro-measurement of the metering worker's per-row work (`bun test/bench/worker-row-cpu.ts`): µs of CPU to turn one
// finished exchange into its priced row (body read, usage extraction, estimate, pricing), for the bench's JSON reply and
// its 20-chunk stream, without the database write (test/bench/usage-write.ts measures that).
import { loadBatchEstimator, recordOfJob } from '../../src/metering/worker/job-records.ts'
import type { MeterJob } from '../../src/metering/protocol/meter-job.ts'
import { builtInProvider } from '../../src/providers/registry.ts'
import { BUN, killAll, readFirstLine, track } from './processes.ts'

const ROWS = Number(process.env.ROWS ?? 20_000)
const mock = track(Bun.spawn([BUN, `${import.meta.dir}/mock-upstream.ts`], { stdout: 'pipe', stderr: 'inherit', stdin: 'ignore' }))
const { url } = JSON.parse(await readFirstLine(mock, 10_000)) as { url: string }
const requestJson = (stream: boolean) =>
  JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello to the benchmark.' }], ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) })
const fetchBody = async (stream: boolean) =>
  new Uint8Array(await (await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: requestJson(stream) })).arrayBuffer())
const estimator = await loadBatchEstimator(() => {})
const log = () => {}
for (const stream of [false, true]) {
  const body = await fetchBody(stream)
  const job = (i: number): MeterJob => ({
    requestId: `req_${i}`, startedAt: Date.now(), orgId: 'org', keyId: 'key', provider: 'openai', model: 'gpt-4o-mini', endpoint: '/v1/chat/completions', method: 'POST',
    status: 200, streamed: stream, contentType: stream ? 'text/event-stream' : 'application/json', contentEncoding: '', truncated: false, ttfbMs: 1, durationMs: 2,
    endedBy: 'complete', errorCode: null, user: null, tags: null, body, requestBody: stream ? new TextEncoder().encode(requestJson(true)) : null,
  })
  for (let round = 0; round < 3; round++) {
    const estimate = estimator()
    const before = process.cpuUsage()
    for (let i = 0; i < ROWS; i++) await recordOfJob(job(i), [], estimate, log, builtInProvider)
    const used = process.cpuUsage(before)
    console.log(`${stream ? 'stream' : 'json  '} round ${round}: ${((used.user + used.system) / ROWS).toFixed(1)} µs CPU per row`)
  }
}
await killAll()
