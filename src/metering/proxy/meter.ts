// The metering side as the proxy thread sees it: the worker thread (MeterChannel) in production, or any in-process meter.
import type { Client } from '@libsql/client'
import type { LastUsedEntries } from '../../auth/last-used.ts'
import type { Logger } from '../../log.ts'
import type { PriceOverride } from '../../pricing/types.ts'
import type { LedgerWrite } from '../../types/ledger-write.ts'
import type { PendingJob } from '../protocol/job-wire.ts'
import type { MeterStats, WorkerLiveness } from './meter-stats.ts'
import type { Settlement, WorkerCommandName, WorkerCommands, WorkerInit } from '../protocol/meter-job.ts'

/**
 * Everything the gateway asks of metering. Each finished exchange goes in as a job; every stored row comes back as a
 * settlement through `MeterContext.onSettled` (budgets, metrics and the access log wait for it).
 */
export interface Meter {
  /** Hot path: must not block, parse or write. */
  enqueue(job: PendingJob): void
  /** Resolves with the meter's answer to a command (new price overrides in force, a reprice done with its counts). */
  command<K extends WorkerCommandName>(type: K, request: WorkerCommands[K]['request'], timeoutMs?: number): Promise<WorkerCommands[K]['result']>
  /** Rows are priced with exactly these overrides from the moment this resolves. */
  setPriceOverrides(overrides: readonly PriceOverride[]): Promise<void>
  /** Object-ledger rows; resolves once they are stored. */
  recordObjects(writes: LedgerWrite[]): Promise<void>
  recordLastUsed(entries: LastUsedEntries): void
  stats(): MeterStats
  liveness(): WorkerLiveness
  /** Stores everything enqueued (or gives up after `timeoutMs`) and stops; true when every row was stored. */
  drainAndStop(timeoutMs: number): Promise<boolean>
}

/** What the gateway hands a meter when it starts one. */
export interface MeterContext {
  /** The worker's settings (database, flush timing, retention, the price overrides in force now). */
  readonly init: WorkerInit
  readonly log: Logger
  /** The gateway's own database connection (for meters that write on this thread). */
  readonly client: Client
  readonly onSettled: (settlements: Settlement[]) => void
}

/** Starts a meter; resolves once it takes jobs (the worker's `ready`, after its spool replay). */
export type MeterStarter = (context: MeterContext) => Promise<Meter>
