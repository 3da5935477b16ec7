// Metering worker entry (its own build entrypoint): turns finished exchanges into priced usage rows and writes them in batches.
import type { Client } from '@libsql/client'
import { writeLastUsed } from './auth/last-used.ts'
import { openDatabase } from './db/client.ts'
import { databaseFileProblem } from './db/file-identity.ts'
import { probeWrite } from './db/write-probe.ts'
import { readMeterBody } from './metering/decompress.ts'
import { writeObjects } from './objects/ledger-store.ts'
import type { FromWorker, MeterJob, ToWorker, WireJob, WorkerInit } from './metering/meter-job.ts'
import { buildUsageRecord, failedRecord, type Estimator, type UsageRecord } from './metering/usage-record.ts'
import { UsageWriter } from './metering/usage-writer.ts'
import type { PriceOverride } from './pricing/types.ts'

declare const self: Worker

const send = (message: FromWorker) => self.postMessage(message)
const log = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) =>
  send({ type: 'log', level, message, ...(fields ? { fields } : {}) })

let writer: UsageWriter | undefined
let database: Client | undefined
let overrides: PriceOverride[] = []
let stallBeforeFirstBatch = 0
let statsTimer: ReturnType<typeof setInterval> | undefined
let probeTimer: ReturnType<typeof setTimeout> | undefined
/** Why the last write probe failed (undefined: it succeeded, or none ran yet). */
let probeProblem: string | undefined
/** Loading the tokenizer takes most of a second: it happens after `ready`, and batches wait for it. Gives one estimator per batch. */
let estimator: Promise<() => Estimator> | undefined
let processing: Promise<void> = Promise.resolve()
/** Why usage must not be written now (the local database file was deleted or replaced); undefined when it may. */
let refuseWrites: () => string | undefined = () => undefined
/** Ledger writes queue apart from usage batches: they must not wait for the tokenizer to load. */
let objectWrites: Promise<void> = Promise.resolve()

async function init(config: WorkerInit): Promise<void> {
  const { client, file } = await openDatabase(config.databaseUrl, config.databaseAuthToken)
  database = client
  // One stat per batch: a deleted or replaced file is caught before a batch is written into it, not seconds later.
  if (file) refuseWrites = () => databaseFileProblem(file.path, file.identity)
  stallBeforeFirstBatch = config.stallFirstBatchMs ?? 0
  writer = new UsageWriter(client, {
    flushIntervalMs: config.flushIntervalMs,
    flushRows: config.flushRows,
    maxPendingRows: 200_000,
    onWritten: (records) => send({ type: 'settled', settlements: JSON.stringify(records.map(settlementOf)) }),
    onError: (message, fields) => log('error', message, fields),
    refuseWrites,
  })
  overrides = config.overrides
  if (config.retentionDays > 0) {
    const prune = () =>
      client
        .execute({ sql: 'DELETE FROM usage_events WHERE started_at < ?', args: [Date.now() - config.retentionDays * 86_400_000] })
        .catch((error) => log('warn', 'retention prune failed', { error: String(error) }))
    setInterval(prune, 3_600_000)
    void prune()
  }
  const sendStats = () => {
    if (!writer) return
    const failing = writer.lastError === undefined ? undefined : `usage writes are failing: ${writer.lastError}`
    const writeProblem = probeProblem ?? failing
    send({ type: 'stats', pendingRows: writer.pendingRows, shedRows: writer.shedRows, writeFailures: writer.writeFailures, ...(writeProblem ? { writeProblem } : {}) })
  }
  // The usage batches alone would say nothing while traffic is idle: a cheap write transaction tells health the truth.
  // Each probe is scheduled after the last one ended (a locked database holds one for the busy timeout), and its
  // result is reported at once, not after a timer that the next blocked probe could delay.
  const probe = async () => {
    probeProblem = await probeWrite(client)
    sendStats()
    // Writes work again: retry the held rows now rather than at the end of a backoff of up to 30 s.
    if (!probeProblem && writer?.lastError !== undefined) void writer.flush()
    probeTimer = setTimeout(probe, config.writeProbeMs ?? 5_000)
  }
  void probe()
  statsTimer = setInterval(sendStats, 1_000)
}

/** Last resort when the tokenizer cannot load: about four bytes of text per token. */
const roughEstimate: Estimator = (requestBody, completionText) => ({
  usage: {
    inputTokens: Math.ceil(requestBody.byteLength / 4),
    outputTokens: Math.ceil(Buffer.byteLength(completionText, 'utf8') / 4),
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
  },
  note: 'token estimate approximated: the tokenizer failed to load, 4 bytes per token',
})

function settlementOf(record: UsageRecord) {
  return {
    requestId: record.requestId,
    orgId: record.orgId,
    keyId: record.keyId,
    provider: record.provider,
    model: record.model,
    costMicros: record.costMicros,
    costStatus: record.costStatus,
    inputTokens: record.inputTokens,
    outputTokens: record.outputTokens,
    startedAt: record.startedAt,
  }
}

function unpack(jobs: string, bytes: ArrayBuffer): MeterJob[] {
  return (JSON.parse(jobs) as WireJob[]).map(({ bodyOffset, bodyLength, requestOffset, requestLength, ...facts }) => ({
    ...facts,
    body: bodyOffset < 0 ? null : new Uint8Array(bytes, bodyOffset, bodyLength),
    requestBody: requestOffset < 0 ? null : new Uint8Array(bytes, requestOffset, requestLength),
  }))
}

async function handleJobs(jobs: MeterJob[], bytes: number): Promise<void> {
  const newBatchEstimator = await estimator!
  if (stallBeforeFirstBatch > 0) {
    // Test hook: block this thread outright, as a stuck worker would.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, stallBeforeFirstBatch)
    stallBeforeFirstBatch = 0
  }
  // The batch's tokenizer deadline starts now: estimates are bounded per job and per batch.
  const estimate = newBatchEstimator()
  for (const job of jobs) {
    let record: UsageRecord
    try {
      record = buildUsageRecord(job, await readMeterBody(job), overrides, estimate)
    } catch (error) {
      // Never drop the request: store what is known with no usage and say why.
      log('error', 'usage extraction failed', { requestId: job.requestId, error: String(error) })
      record = failedRecord(job, String(error))
    }
    // Each row goes to the writer as soon as it is built: its timer can write it while a later job is still inflating.
    writer!.add([record])
  }
  send({ type: 'ack', jobs: jobs.length, bytes })
}

self.addEventListener('message', (event: MessageEvent<ToWorker>) => {
  const message = event.data
  switch (message.type) {
    case 'init':
      init(message.init).then(
        () => {
          estimator = import('./metering/estimate-tokens.ts').then(
            (module) => () => module.batchEstimator(),
            (error) => {
              log('error', 'tokenizer failed to load; estimating 4 bytes per token', { error: String(error) })
              return () => roughEstimate
            },
          )
          send({ type: 'ready' })
        },
        (error) => log('error', 'metering worker failed to start', { error: String(error) }),
      )
      return
    case 'prices':
      overrides = message.overrides
      return
    case 'jobs': {
      const jobs = unpack(message.jobs, message.bytes)
      const bytes = message.bytes.byteLength
      processing = processing.then(() => handleJobs(jobs, bytes)).catch((error) => log('error', 'metering batch failed', { error: String(error) }))
      return
    }
    case 'last-used': {
      const entries = message.entries
      processing = processing.then(() => writeLastUsed(database!, entries)).catch((error) => log('warn', 'last-used write failed', { error: String(error), keys: entries.length }))
      return
    }
    case 'objects': {
      const { seq, writes } = message
      objectWrites = objectWrites.then(() =>
        writeObjects(database!, writes).then(
          () => send({ type: 'objects-written', seq }),
          (error) => send({ type: 'objects-written', seq, error: String(error) }),
        ),
      )
      return
    }
    case 'drain':
      void (async () => {
        await processing
        await objectWrites
        const ok = await writer!.drain(Date.now() + 25_000)
        if (!ok) {
          const reason = refuseWrites()
          log('error', 'usage rows still pending at shutdown; they are lost', { pending: writer!.pendingRows, ...(reason ? { reason } : {}) })
        }
        if (statsTimer) clearInterval(statsTimer)
        if (probeTimer) clearTimeout(probeTimer)
        send({ type: 'drained' })
      })()
      return
  }
})
