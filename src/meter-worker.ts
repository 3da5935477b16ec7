// Metering worker entry (its own build entrypoint): turns finished exchanges into priced usage rows and writes them in batches.
import type { Client } from '@libsql/client'
import { reprice } from './analytics/reprice.ts'
import { writeLastUsed } from './auth/last-used.ts'
import { openDatabase } from './db/client.ts'
import { batchWriterFor } from './db/local-batch.ts'
import { databaseFileProblem } from './db/file-identity.ts'
import { probeWrite } from './db/write-probe.ts'
import { jobSettlement, writeObjects } from './objects/ledger-writes.ts'
import { applyPollWrite } from './jobs/poll-writes.ts'
import { recordOfJob, settlementOf, TokenizerOnDemand } from './metering/worker/job-records.ts'
import { unpackJobs as unpack } from './metering/protocol/job-wire.ts'
import type { FromWorker, MeterJob, ToWorker, WorkerInit } from './metering/protocol/meter-job.ts'
import type { Estimator, UsageRecord } from './metering/worker/usage-record.ts'
import { loadProviders } from './providers/provider-origin.ts'
import { builtInProvider, providerDirectory, type ProviderDirectory } from './providers/registry.ts'
import { spoolBatches } from './metering/worker/spool-reader.ts'
import { UsageWriter, writeNewRecords } from './metering/worker/usage-writer.ts'
import type { PriceOverride } from './pricing/types.ts'

declare const self: Worker

const send = (message: FromWorker) => self.postMessage(message)
const log = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) =>
  send({ type: 'log', level, message, ...(fields ? { fields } : {}) })

let writer: UsageWriter | undefined
let database: Client | undefined
let overrides: PriceOverride[] = []
let statsTimer: ReturnType<typeof setInterval> | undefined
let probeTimer: ReturnType<typeof setTimeout> | undefined
/** Why the last write probe failed (undefined: it succeeded, or none ran yet). */
let probeProblem: string | undefined
/** The tokenizer (most of a second to load, tens of MB): loaded when a row first needs an estimate. */
const tokenizer = new TokenizerOnDemand(log)
let processing: Promise<void> = Promise.resolve()
/** Why usage must not be written now (the local database file was deleted or replaced); undefined when it may. */
let refuseWrites: () => string | undefined = () => undefined
/** Ledger writes queue apart from usage batches: they must not wait for the tokenizer to load. */
let objectWrites: Promise<void> = Promise.resolve()
/** Reprices run one after another: two over the same rows at once would both move the rollups by the same difference. */
let reprices: Promise<void> = Promise.resolve()
/** Every provider the gateway serves, by id: the built-in ones until init has loaded the rest. */
let providers: ProviderDirectory = builtInProvider
/** The spooled batch each live row came from: the proxy thread clears a spool file once all its rows are stored. */
const batchOf = new WeakMap<UsageRecord, number>()

/** Tells the proxy thread how many rows of which spooled batches are stored (or given up). */
function reportStored(records: readonly UsageRecord[]): void {
  const counts = new Map<number, number>()
  for (const record of records) {
    const seq = batchOf.get(record)
    if (seq !== undefined) counts.set(seq, (counts.get(seq) ?? 0) + 1)
  }
  if (counts.size > 0) send({ type: 'stored', batches: [...counts] })
}

async function init(config: WorkerInit): Promise<void> {
  // The same provider modules as the proxy thread's: usage is read and priced by them (replayed rows included).
  providers = providerDirectory(await loadProviders(config.providers ?? []))
  const opened = await openDatabase(config.databaseUrl, config.databaseAuthToken)
  const { client, file } = opened
  database = client
  // One stat per batch: a deleted or replaced file is caught before a batch is written into it, not seconds later.
  if (file) refuseWrites = () => databaseFileProblem(file.path, file.identity)
  // On a local file the batches go through native prepared statements on a connection of their own (src/db/local-batch.ts).
  writer = new UsageWriter(batchWriterFor(opened), {
    flushIntervalMs: config.flushIntervalMs,
    flushRows: config.flushRows,
    maxPendingRows: 200_000,
    onWritten: (records) => {
      reportStored(records)
      send({ type: 'settled', settlements: JSON.stringify(records.map(settlementOf)) })
    },
    // A shed row is lost to this process; its spool file need not outlive it (until then a crash would restore it).
    onShed: reportStored,
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
  // The replay first: its writes and the probe's transaction must not interleave on the one connection.
  if (config.replay && config.replay.length > 0) await replaySpool(config.replay, client)
  void probe()
  statsTimer = setInterval(sendStats, 1_000)
}

/**
 * What a killed process left in the spool, rebuilt into rows exactly as live batches are and stored where missing.
 * Runs before `ready`, so before budgets load their spend from the database; its rows send no settlements.
 */
async function replaySpool(files: readonly string[], client: Client): Promise<void> {
  let batches = 0
  let rows = 0
  let stored = 0
  let damaged = 0
  for (const file of files) {
    const onDamage = (reason: string, offset: number, bytesSkipped: number) => {
      damaged++
      // A kill in the middle of an append leaves a torn last record: that batch never finished reaching the disk.
      log('warn', 'usage spool: an incomplete or damaged record was skipped', { file, reason, offset, bytesSkipped })
    }
    for (const batch of spoolBatches(file, onDamage)) {
      let records: UsageRecord[]
      try {
        const jobs = unpack(batch.jobs, batch.bytes.buffer as ArrayBuffer)
        // Built as live batches are: the tokenizer loads only if a replayed row needs an estimate.
        records = []
        for await (const record of tokenizer.records(jobs, buildRecord)) records.push(record)
      } catch (error) {
        damaged++
        log('error', 'usage spool: a batch could not be read and was skipped', { file, error: String(error) })
        continue
      }
      batches++
      rows += records.length
      stored += await withRetries(() => writeNewRecords(client, records))
    }
  }
  log('info', 'usage spool replayed: the rows a previous run had not stored are stored now', { batches, rows, stored, alreadyStored: rows - stored, damaged })
}

/** A replay write that fails is tried again for about half a minute; then start-up fails and the spool stays. */
async function withRetries<T>(write: () => Promise<T>): Promise<T> {
  for (let delay = 250; ; delay *= 2) {
    try {
      return await write()
    } catch (error) {
      if (delay > 16_000) throw error
      log('warn', 'usage spool replay write failed; retrying', { error: String(error), retryInMs: delay })
      await Bun.sleep(delay)
    }
  }
}

/** One job's row: the same path for live batches and for a replay (and for an in-process meter: job-records.ts). */
function buildRecord(job: MeterJob, estimate: Estimator): Promise<UsageRecord> {
  return recordOfJob(job, overrides, estimate, log, providers)
}

/** Batches received and not yet handled, and what the handled ones hold: acknowledged together once none is left. */
let batchesQueued = 0
const unacked = { jobs: 0, bytes: 0 }

async function handleJobs(jobs: MeterJob[], bytes: number, seq: number): Promise<void> {
  let handed = 0
  try {
    await buildAndHand(jobs, seq, () => handed++)
  } finally {
    // Rows never built (a failed batch, logged by the caller) are not waited for: their spool file may be cleared.
    if (handed < jobs.length) send({ type: 'stored', batches: [[seq, jobs.length - handed]] })
    // The proxy thread posts several batches in one go: one acknowledgement for all of them wakes it once.
    unacked.jobs += jobs.length
    unacked.bytes += bytes
    if (--batchesQueued === 0) {
      send({ type: 'ack', jobs: unacked.jobs, bytes: unacked.bytes })
      unacked.jobs = 0
      unacked.bytes = 0
    }
  }
}

async function buildAndHand(jobs: MeterJob[], seq: number, onHanded: () => void): Promise<void> {
  for await (const record of tokenizer.records(jobs, buildRecord)) {
    batchOf.set(record, seq)
    onHanded()
    // Each row goes to the writer as soon as it is built: its timer can write it while a later job is still inflating.
    writer!.add([record])
  }
}

self.addEventListener('message', (event: MessageEvent<ToWorker>) => {
  const message = event.data
  switch (message.type) {
    case 'init':
      init(message.init).then(
        () => send({ type: 'ready' }),
        (error) => log('error', 'metering worker failed to start', { error: String(error) }),
      )
      return
    case 'prices':
      // Synchronous: every row built after this message, including those of batches already queued, uses them.
      overrides = message.overrides
      send({ type: 'done', id: message.id })
      return
    case 'reprice': {
      const { id, range } = message
      const repriceWith = message.overrides
      reprices = reprices.then(() =>
        reprice(database!, range, repriceWith, providers).then(
          (result) => send({ type: 'done', id, result }),
          (error) => send({ type: 'done', id, error: String(error) }),
        ),
      )
      return
    }
    case 'job-poll': {
      const { id, write } = message
      // Beside the ledger writes, in their queue: one connection, one write at a time.
      objectWrites = objectWrites.then(() =>
        applyPollWrite(database!, write).then(
          (result) => send({ type: 'done', id, result }),
          (error) => send({ type: 'done', id, error: String(error) }),
        ),
      )
      return
    }
    case 'jobs': {
      const jobs = unpack(message.jobs, message.bytes)
      const bytes = message.bytes.byteLength
      const seq = message.seq
      batchesQueued++
      processing = processing.then(() => handleJobs(jobs, bytes, seq)).catch((error) => log('error', 'metering batch failed', { error: String(error) }))
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
        // Job observations may settle a job: its one usage row is written here and settles like any other.
        writeObjects(database!, writes, { overrides, providers }).then(
          (settled) => {
            if (settled.length > 0) send({ type: 'settled', settlements: JSON.stringify(settled.map(jobSettlement)) })
            send({ type: 'objects-written', seq })
          },
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
          log('error', 'usage rows still pending at shutdown; the next start stores them from the usage spool (lost if it is off)', { pending: writer!.pendingRows, ...(reason ? { reason } : {}) })
        }
        if (statsTimer) clearInterval(statsTimer)
        if (probeTimer) clearTimeout(probeTimer)
        send({ type: 'drained', stored: ok })
      })()
      return
  }
})
