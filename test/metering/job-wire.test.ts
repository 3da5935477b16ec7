// The batch wire format: every fact and byte of every job arrives as sent, and a batch of the first format (an older spool) still reads.
import { expect, test } from 'bun:test'
import { packJobs, pendingBytes, unpackJobs, WIRE_FORMAT, type PendingJob } from '../../src/metering/protocol/job-wire.ts'
import type { WireJob } from '../../src/metering/protocol/meter-job.ts'

const text = (bytes: Uint8Array | null) => (bytes === null ? null : new TextDecoder().decode(bytes))

function job(id: string, overrides: Partial<PendingJob> = {}): PendingJob {
  return {
    requestId: id, startedAt: 1_750_000_000_123, orgId: 'org_a', keyId: 'key_a', provider: 'openai', model: 'gpt-4o-mini',
    endpoint: '/v1/chat/completions', method: 'POST', status: 200, streamed: true, contentType: 'text/event-stream', contentEncoding: 'gzip',
    truncated: false, ttfbMs: 12, durationMs: 345, endedBy: 'complete', errorCode: null, user: 'u-1', tags: '["team=a"]',
    bodyParts: [new TextEncoder().encode('data: 1\n\n'), new TextEncoder().encode('data: 2\n\n')], requestBody: new TextEncoder().encode('{"stream":true}'),
    ...overrides,
  }
}

test('every fact and both byte ranges of every job come back as packed, in order', () => {
  const jobs = [
    job('req_1'),
    job('req_2', { model: null, status: 429, streamed: false, ttfbMs: null, endedBy: 'refused', errorCode: 'rate_limited', user: null, tags: null, bodyParts: [], requestBody: null }),
    job('req_3', { truncated: true, endedBy: 'client_abort', bodyParts: [new Uint8Array([0, 255, 1])], requestBody: null }),
  ]
  const packed = packJobs(jobs, jobs.reduce((sum, j) => sum + pendingBytes(j), 0))
  expect((JSON.parse(packed.jobs) as unknown[])[0]).toBe(WIRE_FORMAT)
  const out = unpackJobs(packed.jobs, packed.bytes.buffer)
  expect(out.map(({ body, requestBody, ...facts }) => ({ ...facts, body: body && [...body], request: text(requestBody) }))).toEqual(
    jobs.map(({ bodyParts, requestBody, ...facts }) => ({
      ...facts,
      body: bodyParts.length > 0 ? bodyParts.flatMap((part) => [...part]) : null,
      request: text(requestBody),
    })),
  )
})

test('a job without an error code arrives with null, as the worker reads it', () => {
  const { errorCode: _dropped, ...facts } = job('req_1')
  const packed = packJobs([facts], pendingBytes(facts))
  expect(unpackJobs(packed.jobs, packed.bytes.buffer)[0]!.errorCode).toBeNull()
})

test('a batch of the first format (WireJob objects, as an older gateway spooled them) still unpacks', () => {
  const body = new TextEncoder().encode('{"usage":{}}request')
  const legacy: WireJob[] = [
    {
      requestId: 'req_old', startedAt: 1, orgId: 'org_a', keyId: 'key_a', provider: 'openai', model: 'gpt-4o-mini', endpoint: '/v1/chat/completions',
      method: 'POST', status: 200, streamed: false, contentType: 'application/json', contentEncoding: '', truncated: false, ttfbMs: 3, durationMs: 4,
      endedBy: 'complete', user: null, tags: null, bodyOffset: 0, bodyLength: 12, requestOffset: 12, requestLength: 7,
    },
  ]
  const [out] = unpackJobs(JSON.stringify(legacy), body.buffer)
  expect(out!.requestId).toBe('req_old')
  expect(text(out!.body)).toBe('{"usage":{}}')
  expect(text(out!.requestBody)).toBe('request')
})
