// Main-thread side of metering: starts the worker, waits for its ready handshake, batches jobs to it, never blocks the proxy.
import type { LastUsedEntries } from '../../auth/last-used.ts'
import type { Logger } from '../../log.ts'
import type { LedgerWrite } from '../../types/ledger-write.ts'
import type { PriceOverride } from '../../pricing/types.ts'
import { packJobs, pendingBytes, type PendingJob } from '../protocol/job-wire.ts'
import type { Meter } from './meter.ts'
import type { FromWorker, Settlement, ToWorker, WorkerCommand, WorkerCommandName, WorkerCommands, WorkerInit } from '../protocol/meter-job.ts'
import type { MeterStats, WorkerLiveness } from './meter-stats.ts'
import type { UsageSpool } from './usage-spool.ts'

export interface MeterChannelOptions {
  readonly init: WorkerInit
  readonly log: Logger
  /**
   * Where batches are appended before the worker gets them; its leftovers are replayed by the worker before `ready`.
   * Absent: a killed process loses what the worker had not written yet.
   */
  readonly spool?: UsageSpool
  /**
   * Batches are cut (and spooled) at least this often while jobs are waiting. Kept short: a job still queued here
   * when the process is killed is lost.
   */
  readonly batchIntervalMs?: number
  readonly batchJobs?: number
  /**
   * Spooled batches go to the worker together, at most this often (default 25 ms): waking an idle thread costs more
   * CPU than the message, and the worker writes rows only every `flushIntervalMs` (250) anyway. Once a batch is in
   * the spool a kill no longer loses it, so this delay costs no crash safety; `drainAndStop` sends at once.
   */
  readonly postIntervalMs?: number
  /** Jobs and bytes allowed between the proxy and the worker's acknowledgement; beyond them jobs are shed and counted. */
  readonly maxOutstandingJobs?: number
  readonly maxOutstandingBytes?: number
  readonly onSettled?: (settlements: Settlement[]) => void
  /** Starts the worker thread from its entry module; default `new Worker(entry)`. Tests inject one that wraps the worker. */
  readonly startWorker?: MeterWorkerStarter
}

/** Starts the metering worker thread from `entry`, the URL of src/meter-worker.ts (or its place in the binary). */
export type MeterWorkerStarter = (entry: string) => Worker

// Moved out so the Meter interface can name them without importing this module; re-exported for existing imports.
export type { PendingJob } from '../protocol/job-wire.ts'
export type { MeterStats, WorkerLiveness } from './meter-stats.ts'

/** Bundled into the binary the worker sits beside main at the bundle root; from source it is src/meter-worker.ts. */
function workerUrl(): string {
  return Bun.isStandaloneExecutable ? './meter-worker.ts' : new URL('../../meter-worker.ts', import.meta.url).href
}

/** The production meter: a worker thread fed in batches, with the usage spool in front of it. */
export class MeterChannel implements Meter {
  private worker: Worker
  private queue: PendingJob[] = []
  private queuedBytes = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private outstandingJobs = 0
  private outstandingBytes = 0
  private shed = 0
  private workerStats = { pendingRows: 0, shedRows: 0, writeFailures: 0 }
  private writeProblem: string | undefined
  private exitCode: number | undefined
  private lastHeardAt = performance.now()
  private terminating = false
  private drainWaiters: (() => void)[] = []
  private objectWrites = new Map<number, { resolve: () => void; reject: (error: Error) => void }>()
  private objectSeq = 0
  /** Commands awaiting the worker's `done`, by id. */
  private commands = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>()
  private commandSeq = 0
  private batchSeq = 0
  /** Cut (and spooled) batches not posted yet, in order; `durable` is pending while its write runs (a large batch, or fsync on). */
  private unsent: { seq: number; jobs: string; bytes: Uint8Array<ArrayBuffer>; durable?: Promise<void>; awaited?: boolean }[] = []
  private unsentBytes = 0
  private postTimer: ReturnType<typeof setTimeout> | undefined
  private lastPostAt = 0
  private readonly batchIntervalMs: number
  private readonly batchJobs: number
  private readonly postIntervalMs: number
  private readonly maxOutstandingJobs: number
  private readonly maxOutstandingBytes: number

  private constructor(private readonly options: MeterChannelOptions) {
    this.batchIntervalMs = options.batchIntervalMs ?? 5
    this.batchJobs = options.batchJobs ?? 256
    this.postIntervalMs = options.postIntervalMs ?? 25
    this.maxOutstandingJobs = options.maxOutstandingJobs ?? 100_000
    this.maxOutstandingBytes = options.maxOutstandingBytes ?? 256 * 1024 * 1024
    this.worker = (options.startWorker ?? ((entry) => new Worker(entry)))(workerUrl())
  }

  /** Resolves once the worker answered `ready`; rejects (and logs) if it fails to start. */
  static async start(options: MeterChannelOptions): Promise<MeterChannel> {
    const channel = new MeterChannel(options)
    await channel.handshake()
    // The worker has stored what a killed process left: the old files go and appending starts.
    options.spool?.start()
    return channel
  }

  private handshake(): Promise<void> {
    const { promise, resolve, reject } = Promise.withResolvers<void>()
    // A replay of a large spool takes longer than a plain start.
    const limitS = this.options.spool?.leftovers().length ? 600 : 15
    const timeout = setTimeout(() => reject(new Error(`the metering worker did not become ready within ${limitS} s`)), limitS * 1000)
    this.worker.addEventListener('message', (event: MessageEvent<FromWorker>) => {
      this.lastHeardAt = performance.now()
      const message = event.data
      if (message.type === 'ready') {
        clearTimeout(timeout)
        resolve()
      } else this.onMessage(message)
    })
    this.worker.addEventListener('error', (event) => {
      const error = (event as ErrorEvent).error ?? (event as ErrorEvent).message
      this.options.log.error('metering worker error', { error: String(error) })
      clearTimeout(timeout)
      reject(new Error(`the metering worker failed: ${String(error)}`))
    })
    this.worker.addEventListener('close', (event) => {
      this.exitCode = (event as CloseEvent).code ?? 0
      // A worker that dies (an uncaught error ends it) meters nothing more: say so; health reports it from here.
      if (!this.terminating) this.options.log.error('the metering worker stopped: usage is no longer recorded; restart the gateway', { exitCode: this.exitCode })
      for (const waiter of this.drainWaiters.splice(0)) waiter()
      for (const pending of this.objectWrites.values()) pending.reject(new Error('the metering worker stopped'))
      this.objectWrites.clear()
      for (const pending of this.commands.values()) pending.reject(new Error('the metering worker stopped'))
      this.commands.clear()
    })
    const replay = this.options.spool?.leftovers() ?? []
    this.send({ type: 'init', init: { ...this.options.init, ...(replay.length > 0 ? { replay } : {}) } })
    return promise
  }

  private onMessage(message: FromWorker): void {
    switch (message.type) {
      case 'ack':
        this.outstandingJobs -= message.jobs
        this.outstandingBytes -= message.bytes
        return
      case 'settled':
        this.options.onSettled?.(JSON.parse(message.settlements) as Settlement[])
        return
      case 'stats':
        this.workerStats = { pendingRows: message.pendingRows, shedRows: message.shedRows, writeFailures: message.writeFailures }
        this.writeProblem = message.writeProblem
        return
      case 'stored':
        for (const [seq, rows] of message.batches) this.options.spool?.settle(seq, rows)
        return
      case 'drained':
        this.options.spool?.close(message.stored)
        for (const waiter of this.drainWaiters.splice(0)) waiter()
        return
      case 'objects-written': {
        const pending = this.objectWrites.get(message.seq)
        this.objectWrites.delete(message.seq)
        if (message.error === undefined) pending?.resolve()
        else pending?.reject(new Error(message.error))
        return
      }
      case 'done': {
        const pending = this.commands.get(message.id)
        this.commands.delete(message.id)
        if (message.error === undefined) pending?.resolve(message.result ?? null)
        else pending?.reject(new Error(message.error))
        return
      }
      case 'log':
        this.options.log[message.level](`meter: ${message.message}`, message.fields)
        return
    }
  }

  private send(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer)
  }

  /** Other messages keep their place behind the batches cut before them (as when every batch went at once). */
  private sendInOrder(message: ToWorker): void {
    if (this.unsent.length > 0) this.post()
    this.send(message)
  }

  /** Hot path: an array push and, at most, arming one timer. */
  enqueue(job: PendingJob): void {
    const bytes = pendingBytes(job)
    // Refusals (a 429 flood from one key) may fill only half the queue: they must never crowd out usage rows.
    const maxJobs = job.endedBy === 'refused' ? this.maxOutstandingJobs / 2 : this.maxOutstandingJobs
    // Nobody would read it: a job for a stopped worker is shed, and counted, not posted into the void.
    if (this.exitCode !== undefined || this.outstandingJobs + this.queue.length >= maxJobs || this.outstandingBytes + this.queuedBytes + bytes > this.maxOutstandingBytes) {
      this.shed++
      if (this.shed === 1 || this.shed % 1000 === 0) this.options.log.error('metering queue full: usage records are being shed', { shed: this.shed })
      return
    }
    this.queue.push(job)
    this.queuedBytes += bytes
    if (this.queue.length >= this.batchJobs) this.flush()
    else this.timer ??= setTimeout(() => this.flush(), this.batchIntervalMs)
  }

  /** Cuts the queued jobs into a batch and spools it; it reaches the worker with the next post. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (this.queue.length === 0) return
    if (this.exitCode !== undefined) {
      // Queued before the worker stopped: shed and counted like the jobs after it.
      this.shed += this.queue.length
      this.queue = []
      this.queuedBytes = 0
      return
    }
    const jobs = this.queue
    const { jobs: jobsJson, bytes } = packJobs(jobs, this.queuedBytes)
    this.outstandingJobs += jobs.length
    this.outstandingBytes += this.queuedBytes
    this.queue = []
    this.queuedBytes = 0
    const seq = ++this.batchSeq
    // In the file (the OS's page cache) before the worker has it: from then on a killed process does not lose the batch.
    const durable = this.options.spool?.append(seq, jobsJson, bytes, jobs.length)
    this.unsent.push({ seq, jobs: jobsJson, bytes, ...(durable ? { durable } : {}) })
    this.unsentBytes += bytes.byteLength
    const wait = this.lastPostAt + this.postIntervalMs - performance.now()
    // Many bytes waiting (large bodies) go at once: the proxy thread should not hold them longer than it must.
    if (wait <= 0 || this.unsentBytes >= 16 * 1024 * 1024) this.post()
    else this.postTimer ??= setTimeout(() => this.post(), wait)
  }

  /** Posts the spooled batches in order (one message each, in one go: the worker wakes once for all of them). */
  private post(): void {
    if (this.postTimer) clearTimeout(this.postTimer)
    this.postTimer = undefined
    this.lastPostAt = performance.now()
    while (this.unsent.length > 0) {
      const batch = this.unsent[0]!
      if (batch.durable) {
        // Not in the file yet (a large batch, or fsync on): it and the batches after it go once it is.
        if (!batch.awaited) {
          batch.awaited = true
          batch.durable.then(() => {
            delete batch.durable
            this.post()
          })
        }
        return
      }
      this.unsent.shift()
      this.unsentBytes -= batch.bytes.byteLength
      this.send({ type: 'jobs', seq: batch.seq, jobs: batch.jobs, bytes: batch.bytes.buffer }, [batch.bytes.buffer])
    }
  }

  /** Every batch cut so far posted (each once its write is done). */
  private async postAll(): Promise<void> {
    this.flush()
    while (this.unsent.length > 0) {
      const durable = this.unsent.find((batch) => batch.durable)?.durable
      if (durable) await durable
      this.post()
    }
  }

  /** Queued behind the batches already sent; the worker writes them in its own transaction. */
  recordLastUsed(entries: LastUsedEntries): void {
    if (entries.length > 0) this.sendInOrder({ type: 'last-used', entries })
  }

  /** Object-ledger rows, written by the worker (it holds the database's write traffic); resolves once they are stored. */
  recordObjects(writes: LedgerWrite[]): Promise<void> {
    if (this.exitCode !== undefined) return Promise.reject(new Error('the metering worker stopped'))
    const seq = ++this.objectSeq
    const { promise, resolve, reject } = Promise.withResolvers<void>()
    this.objectWrites.set(seq, { resolve, reject })
    this.sendInOrder({ type: 'objects', seq, writes })
    return promise
  }

  /**
   * Sends a command and resolves with the worker's answer to it; rejects with the worker's error, when the worker
   * has stopped or stops before answering, or after `timeoutMs` without an answer.
   */
  command<K extends WorkerCommandName>(type: K, request: WorkerCommands[K]['request'], timeoutMs = 30_000): Promise<WorkerCommands[K]['result']> {
    if (this.exitCode !== undefined) return Promise.reject(new Error('the metering worker stopped'))
    const id = ++this.commandSeq
    const { promise, resolve, reject } = Promise.withResolvers<WorkerCommands[K]['result']>()
    const timer = setTimeout(() => {
      this.commands.delete(id)
      reject(new Error(`the metering worker did not answer "${type}" within ${timeoutMs / 1000} s`))
    }, timeoutMs)
    const settle = { resolve: (result: unknown) => resolve(result as WorkerCommands[K]['result']), reject }
    this.commands.set(id, settle)
    promise.then(() => clearTimeout(timer), () => clearTimeout(timer))
    this.sendInOrder({ type, id, ...request } as WorkerCommand)
    return promise
  }

  /** The worker prices with exactly the overrides the proxy thread reserves budgets with; resolves once it does. */
  async setPriceOverrides(overrides: readonly PriceOverride[]): Promise<void> {
    await this.command('prices', { overrides: [...overrides] })
  }

  stats(): MeterStats {
    return {
      queuedJobs: this.queue.length,
      outstandingJobs: this.outstandingJobs,
      outstandingBytes: this.outstandingBytes,
      shedJobs: this.shed,
      workerPendingRows: this.workerStats.pendingRows,
      workerShedRows: this.workerStats.shedRows,
      workerWriteFailures: this.workerStats.writeFailures,
      unspooledJobs: this.options.spool?.unspooledJobs ?? 0,
    }
  }

  liveness(): WorkerLiveness {
    return {
      lastHeardAt: this.lastHeardAt,
      ...(this.exitCode !== undefined ? { exitCode: this.exitCode } : {}),
      ...(this.writeProblem !== undefined ? { writeProblem: this.writeProblem } : {}),
    }
  }

  /** Sends everything queued, waits until the worker has written it all (or `timeoutMs`), then stops the worker. */
  async drainAndStop(timeoutMs: number): Promise<boolean> {
    // A stopped worker has nothing to drain and would never answer: do not hold shutdown for the whole timeout.
    if (this.exitCode !== undefined) {
      if (this.queue.length > 0 || this.outstandingJobs > 0) this.options.log.error('the metering worker had stopped; unwritten usage is lost', this.stats() as unknown as Record<string, unknown>)
      return false
    }
    await this.postAll()
    const drained = new Promise<void>((resolve) => this.drainWaiters.push(resolve))
    this.send({ type: 'drain' })
    const ok = await Promise.race([drained.then(() => true), Bun.sleep(timeoutMs).then(() => false)])
    if (!ok) {
      this.options.log.error(
        this.options.spool ? 'metering worker did not drain in time; unwritten usage stays in the spool for the next start' : 'metering worker did not drain in time; unwritten usage may be lost',
        this.stats() as unknown as Record<string, unknown>,
      )
      this.options.spool?.close(false)
    }
    this.terminating = true
    this.worker.terminate()
    return ok
  }
}
