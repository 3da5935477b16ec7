// A metering worker that writes nothing (for core-cpu.ts, CORE_STUB_WORKER=1): it decodes each batch as the real worker
// does and answers with the real messages (ready, stored, ack, one settlement per job, drained), so what remains of the
// metering cost is the proxy thread's own: the stage, the recorder, the channel, the spool, the messages both ways.
import { unpackJobs } from '../../src/metering/protocol/job-wire.ts'
import type { FromWorker, Settlement, ToWorker } from '../../src/metering/protocol/meter-job.ts'

declare const self: Worker
const send = (message: FromWorker) => self.postMessage(message)
let pending: Settlement[] = []
let stored: [number, number][] = []
const unacked = { jobs: 0, bytes: 0 }
let ackTimer: ReturnType<typeof setTimeout> | undefined

// As the real writer: rows settle in batches, after a flush interval.
setInterval(() => {
  if (stored.length > 0) send({ type: 'stored', batches: stored })
  if (pending.length > 0) send({ type: 'settled', settlements: JSON.stringify(pending) })
  stored = []
  pending = []
}, 250)

self.addEventListener('message', (event: MessageEvent<ToWorker>) => {
  const message = event.data
  if (message.type === 'init') send({ type: 'ready' })
  else if (message.type === 'jobs') {
    const jobs = unpackJobs(message.jobs, message.bytes)
    for (const job of jobs) {
      pending.push({
        requestId: job.requestId, orgId: job.orgId, keyId: job.keyId, provider: job.provider, model: job.model,
        costMicros: 21, costStatus: 'priced', inputTokens: 12, outputTokens: 48, startedAt: job.startedAt,
      })
    }
    stored.push([message.seq, jobs.length])
    // As the real worker: batches posted together are acknowledged together.
    unacked.jobs += jobs.length
    unacked.bytes += message.bytes.byteLength
    ackTimer ??= setTimeout(() => {
      send({ type: 'ack', jobs: unacked.jobs, bytes: unacked.bytes })
      unacked.jobs = 0
      unacked.bytes = 0
      ackTimer = undefined
    }, 0)
  } else if (message.type === 'drain') send({ type: 'drained', stored: true })
  else if ('id' in message) send({ type: 'done', id: message.id })
})
