// An in-process meter for tests: the worker's own job processing on this thread, rows kept in memory, settled(id) to wait on.
import { reprice } from '../../src/analytics/reprice.ts'
import { writeLastUsed } from '../../src/auth/last-used.ts'
import { loadBatchEstimator, recordOfJob, settlementOf, type JobLog } from '../../src/metering/worker/job-records.ts'
import { packJobs, pendingBytes, unpackJobs, type PendingJob } from '../../src/metering/protocol/job-wire.ts'
import type { Meter, MeterContext, MeterStarter } from '../../src/metering/proxy/meter.ts'
import type { MeterStats } from '../../src/metering/proxy/meter-stats.ts'
import type { UsageRecord } from '../../src/metering/worker/usage-record.ts'
import { writeNewRecords } from '../../src/metering/worker/usage-writer.ts'
import { pushUsageEventArgs, USAGE_EVENT_COLUMNS } from '../../src/db/usage-columns.ts'
import { jobSettlement, writeObjects } from '../../src/objects/ledger-writes.ts'
import { applyPollWrite } from '../../src/jobs/poll-writes.ts'
import type { PriceOverride } from '../../src/pricing/types.ts'
import { loadProviders } from '../../src/providers/provider-origin.ts'
import { providerDirectory } from '../../src/providers/registry.ts'

export interface MemoryMeter {
  /** Pass as GatewayOptions.meter. */
  readonly start: MeterStarter
  /** Every row built so far, in the order their jobs were enqueued. */
  readonly rows: readonly UsageRecord[]
  /** The row of this request once it is built and settled (budgets, metrics and the access log have heard of it). */
  settled(requestId: string, timeoutMs?: number): Promise<UsageRecord>
  /** The same row as usage_events holds it (`SELECT *`: snake_case columns, driver values such as 0/1 for booleans). */
  settledRow(requestId: string, timeoutMs?: number): Promise<Record<string, unknown>>
  /** Resolves once every job enqueued so far has its row. */
  idle(): Promise<void>
}

export interface MemoryMeterOptions {
  /**
   * Also store each row (and its rollups) in the gateway's database before it settles, with the worker's replay
   * write, so usage queries, the request log, reprice and a restart's spend rebuild see it. Default: memory only.
   */
  readonly store?: boolean
}

/** A record as the database holds it: the insert's own column list and driver conversions. */
export function storedForm(record: UsageRecord): Record<string, unknown> {
  const args: unknown[] = []
  pushUsageEventArgs(record, args as never[])
  return Object.fromEntries(USAGE_EVENT_COLUMNS.map((column, index) => [column.name, args[index]]))
}

/**
 * The metering worker's job path, unchanged (the batch wire, body decoding, usage extraction, token estimates,
 * pricing with the overrides in force: src/metering/protocol/job-wire.ts and worker/job-records.ts), run on the calling thread one
 * job at a time. Rows stay in memory unless `store` is set (then reprice and usage queries see them too).
 * Object-ledger and last-used writes go to the gateway's database, as they do with metering off.
 */
/** Loading the tokenizer blocks this thread for about a second: once per test file, not once per core. */
let sharedEstimators: ReturnType<typeof loadBatchEstimator> | undefined

export function memoryMeter(options: MemoryMeterOptions = {}): MemoryMeter {
  const rows: UsageRecord[] = []
  const byId = new Map<string, UsageRecord>()
  const waiters = new Map<string, ((row: UsageRecord) => void)[]>()
  let processing: Promise<void> = Promise.resolve()

  const start: MeterStarter = async (context: MeterContext): Promise<Meter> => {
    const log: JobLog = (level, message, fields) => context.log[level](`meter: ${message}`, fields)
    sharedEstimators ??= loadBatchEstimator(log)
    const estimators = sharedEstimators
    let overrides: readonly PriceOverride[] = context.init.overrides
    // The providers the gateway serves, loaded the way the worker loads them.
    const providers = providerDirectory(await loadProviders(context.init.providers ?? []))
    let queued = 0
    let shed = 0
    let stopped = false

    const build = async (job: PendingJob): Promise<void> => {
      // Through the same wire as a worker batch: what the worker would read is what this reads.
      const packed = packJobs([job], pendingBytes(job))
      const [meterJob] = unpackJobs(packed.jobs, packed.bytes.buffer)
      const newEstimator = await estimators
      const row = await recordOfJob(meterJob!, overrides, newEstimator(), log, providers)
      if (options.store) await writeNewRecords(context.client, [row])
      rows.push(row)
      byId.set(row.requestId, row)
      context.onSettled([settlementOf(row)])
      for (const resolve of waiters.get(row.requestId)?.splice(0) ?? []) resolve(row)
    }

    const meter: Meter = {
      enqueue(job) {
        if (stopped) {
          shed++
          return
        }
        queued++
        processing = processing
          .then(() => build(job))
          .catch((error) => log('error', 'metering job failed', { error: String(error) }))
          .finally(() => queued--)
      },
      async command(type, request) {
        if (type === 'job-poll') return (await applyPollWrite(context.client, (request as { write: Parameters<typeof applyPollWrite>[1] }).write)) as never
        if (type === 'prices') {
          overrides = [...(request as { overrides: PriceOverride[] }).overrides]
          return null as never
        }
        const { range, overrides: with_ } = request as { range: Parameters<typeof reprice>[1]; overrides: PriceOverride[] }
        return (await reprice(context.client, range, with_, providers)) as never
      },
      async setPriceOverrides(next) {
        await meter.command('prices', { overrides: [...next] })
      },
      // Like the worker: a job observation may settle a job, whose one usage row then settles like any other.
      async recordObjects(writes) {
        for (const job of await writeObjects(context.client, writes, { overrides, providers })) {
          const row = job.record
          rows.push(row)
          byId.set(row.requestId, row)
          context.onSettled([jobSettlement(job)])
          for (const resolve of waiters.get(row.requestId)?.splice(0) ?? []) resolve(row)
        }
      },
      recordLastUsed(entries) {
        if (entries.length > 0) void writeLastUsed(context.client, entries).catch((error) => log('warn', 'last-used write failed', { error: String(error) }))
      },
      stats(): MeterStats {
        return { queuedJobs: queued, outstandingJobs: 0, outstandingBytes: 0, shedJobs: shed, workerPendingRows: 0, workerShedRows: 0, workerWriteFailures: 0, unspooledJobs: 0 }
      },
      // On this thread: it answers whenever the thread does.
      liveness: () => ({ lastHeardAt: performance.now() }),
      async drainAndStop() {
        stopped = true
        await processing
        return true
      },
    }
    // Like the worker's ready: the tokenizer need not be loaded yet, batches wait for it.
    return meter
  }

  const settled = (requestId: string, timeoutMs = 10_000): Promise<UsageRecord> => {
    const row = byId.get(requestId)
    if (row) return Promise.resolve(row)
    const { promise, resolve, reject } = Promise.withResolvers<UsageRecord>()
    const timer = setTimeout(() => reject(new Error(`no usage row for ${requestId} after ${timeoutMs} ms`)), timeoutMs)
    const list = waiters.get(requestId) ?? []
    list.push((found) => {
      clearTimeout(timer)
      resolve(found)
    })
    waiters.set(requestId, list)
    return promise
  }
  return {
    start,
    rows,
    settled,
    settledRow: async (requestId, timeoutMs) => storedForm(await settled(requestId, timeoutMs)),
    idle: () => processing,
  }
}
