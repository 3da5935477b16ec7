// Micro-benchmark: what the access log costs one request on the proxy thread (stage, observer, wrapper, settlement, queue, and the batch write).
// Run: bun test/bench/access-log.ts  (prints µs per request; no assertion, numbers only)
import { AccessLog } from '../../src/access-log/access-log.ts'
import { formatAccessLine, type AccessRecord } from '../../src/access-log/access-line.ts'
import { LineWriter } from '../../src/access-log/line-writer.ts'
import type { ResolvedProvider } from '../../src/config.ts'
import type { AdmittedRequest } from '../../src/proxy/stages.ts'

const provider = { spec: { id: 'openai' } } as unknown as ResolvedProvider
const providers = new Map([['openai', provider]])
const N = Number(process.env.N ?? 200_000)

async function run(format: 'json' | 'text', withWrite: boolean) {
  let bytes = 0
  const writer = new LineWriter<AccessRecord>({
    sink: { write: (text) => ((bytes += text.length), true), onDrain: () => {} },
    format: (r) => formatAccessLine(r, format),
    maxQueued: 10_000,
  })
  const log = new AccessLog({ write: (r) => writer.add(r), metered: true, providers })
  const stage = log.stage()
  const handler = log.wrap(async (request) => {
    const id = request.headers.get('x-id')!
    const admitted = {
      requestId: id, startedAt: Date.now(), arrivedAt: 0, provider, key: { row: { id: 'key_abc' } }, org: { id: 'org_abc' }, method: 'POST',
      path: '/v1/chat/completions', query: '', facts: { model: 'gpt-4o-mini', models: ['gpt-4o-mini'] }, headers: request.headers, body: undefined,
    } as unknown as AdmittedRequest
    const result = stage.admit(admitted) as { observer: { onEnd: (o: unknown) => void } }
    result.observer.onEnd({ endedBy: 'complete', status: 200, ttfbMs: 12, endedAt: Date.now() })
    return new Response(null, { headers: { 'x-sociaro-request-id': id } })
  })
  // Requests and their responses are built outside the timed part only as far as a real proxy has them already.
  const requests = Array.from({ length: N }, (_, i) => new Request('http://gw/openai/v1/chat/completions', { method: 'POST', headers: { 'x-id': `req_${i}` } }))
  const bare = async (request: Request) => new Response(null, { headers: { 'x-sociaro-request-id': request.headers.get('x-id')! } })

  let t = 0
  let baseline = 0
  for (const request of requests) {
    t = performance.now()
    await bare(request)
    baseline += performance.now() - t
  }

  let onPath = 0
  let flush = 0
  for (let i = 0; i < N; i++) {
    t = performance.now()
    await handler(requests[i]!)
    log.settled([{ requestId: `req_${i}`, orgId: 'org_abc', keyId: 'key_abc', provider: 'openai', model: 'gpt-4o-mini', costMicros: 123, costStatus: 'priced', inputTokens: 10, outputTokens: 20, startedAt: 0 }])
    onPath += performance.now() - t
    // Batches of 1000, as the 50 ms timer would make them at 20 000 requests/s.
    if (withWrite && i % 1000 === 999) {
      t = performance.now()
      writer.flush()
      flush += performance.now() - t
    }
  }
  const us = (ms: number) => ((ms * 1000) / N).toFixed(2)
  console.log(`${format}: request path ${us(onPath - baseline)} µs/request over a bare handler (stage + observer + wrapper + settlement + queue push); batch format+write ${us(flush)} µs/line off the path; ${(bytes / N).toFixed(0)} bytes/line`)
}

await run('json', true)
await run('text', true)
