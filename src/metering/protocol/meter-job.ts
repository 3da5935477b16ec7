// The messages that cross between the proxy thread and the metering worker.
import type { LastUsedEntries } from '../../auth/last-used.ts'
import type { EndedBy } from '../../proxy/forward.ts'
import type { PriceOverride } from '../../pricing/types.ts'
import type { ProviderOrigin } from '../../providers/spec.ts'
import type { JobPollWrite } from '../../types/job-poll-write.ts'
import type { LedgerWrite } from '../../types/ledger-write.ts'
import type { RepriceRange, RepriceResult } from '../../types/reprice.ts'

/** The facts of one finished exchange, as the proxy saw it (everything but its bytes). */
export interface MeterFacts {
  requestId: string
  startedAt: number
  orgId: string
  keyId: string
  provider: string
  /** The model the request named (the response may report a more precise one). */
  model: string | null
  /** Upstream path without the query. */
  endpoint: string
  method: string
  status: number
  streamed: boolean
  contentType: string
  contentEncoding: string
  truncated: boolean
  ttfbMs: number | null
  durationMs: number
  /** How the exchange ended; `refused`: the gateway answered with an error before anything went upstream. */
  endedBy: EndedBy | 'refused'
  /** The gateway's error code when it answered itself (a refusal, or a 502/504 for an upstream it could not use). */
  errorCode?: string | null
  user: string | null
  /** JSON array of strings. */
  tags: string | null
}

/** A finished exchange as the worker handles it. */
export interface MeterJob extends MeterFacts {
  /** The response bytes as received (possibly compressed), or the retained head and tail of them. */
  body: Uint8Array | null
  /** The request body, kept only when a stream may need token estimation. */
  requestBody: Uint8Array | null
}

/** How a job travels: its facts plus where its bytes sit in the batch's single buffer (-1: none). */
export interface WireJob extends MeterFacts {
  bodyOffset: number
  bodyLength: number
  requestOffset: number
  requestLength: number
}

export interface WorkerInit {
  databaseUrl: string
  databaseAuthToken?: string
  flushIntervalMs: number
  flushRows: number
  retentionDays: number
  /** Every price override in force (database and config file); the proxy thread loads them and sends updates. */
  overrides: PriceOverride[]
  /** How often the worker checks that the database takes writes (an empty write transaction); default 5 s. */
  writeProbeMs?: number
  /** Spool files a killed process left (src/metering/usage-spool.ts): their rows are stored, where missing, before `ready`. */
  replay?: string[]
  /** Where the worker loads the providers that are not built in from (custom, extra modules): it reads usage and prices by them. */
  providers?: ProviderOrigin[]
}

export type ToWorker =
  | { type: 'init'; init: WorkerInit }
  /**
   * A batch: `jobs` is a JSON array of WireJob and `bytes` holds every body back to back. One string and one
   * transferred buffer keep postMessage cheap (no structured clone of nested objects).
   */
  | { type: 'jobs'; seq: number; jobs: string; bytes: ArrayBuffer }
  | { type: 'drain' }
  /** Keys' last-used times, written by the worker because it already holds the database's write traffic. */
  | { type: 'last-used'; entries: LastUsedEntries }
  | WorkerCommand
  /** Provider-object ledger rows (src/objects/), written in order in one transaction; answered by `objects-written`. */
  | { type: 'objects'; seq: number; writes: LedgerWrite[] }

/**
 * Messages the proxy thread awaits an answer to: each carries an `id` and the worker answers it with exactly one
 * `done` of that id, holding `result` or, when it failed, `error`.
 */
export interface WorkerCommands {
  /** Every price override in force; answered once the worker prices new rows with them. */
  prices: { request: { overrides: PriceOverride[] }; result: null }
  /** Recomputes stored costs with `overrides` (the proxy thread's, the ones just acknowledged); answered with the counts. */
  reprice: { request: { range: RepriceRange; overrides: PriceOverride[] }; result: RepriceResult }
  /** One write of the background job poller (src/jobs/poll-writes.ts); answered with the rows it changed. */
  'job-poll': { request: { write: JobPollWrite }; result: number }
}

export type WorkerCommandName = keyof WorkerCommands

export type WorkerCommand = { [K in WorkerCommandName]: { type: K; id: number } & WorkerCommands[K]['request'] }[WorkerCommandName]

/** What the worker reports for each written record (budgets settle from these). */
export interface Settlement {
  requestId: string
  orgId: string
  keyId: string
  provider: string
  model: string | null
  costMicros: number | null
  costStatus: string
  inputTokens: number
  outputTokens: number
  startedAt: number
  /** A job's row settles the reservation its submit made (that request's id), not one of its own. */
  reservation?: string
  /** A job's row: how long the job took from its submit to its end. */
  jobDurationMs?: number
}

export type FromWorker =
  | { type: 'ready' }
  /** After a batch is written: the settlements as a JSON array of Settlement. */
  | { type: 'settled'; settlements: string }
  | { type: 'ack'; jobs: number; bytes: number }
  /** Rows of spooled batches now in the database (or given up): [batch seq, rows] pairs. */
  | { type: 'stored'; batches: [number, number][] }
  /** Every second; `writeProblem` is why the database did not take the last write probe or usage batch (absent when it did). */
  | { type: 'stats'; pendingRows: number; shedRows: number; writeFailures: number; writeProblem?: string }
  /** `stored`: every row reached the database. */
  | { type: 'drained'; stored: boolean }
  | { type: 'objects-written'; seq: number; error?: string }
  /** The answer to the command of this id (see WorkerCommands). */
  | { type: 'done'; id: number; result?: unknown; error?: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string; fields?: Record<string, unknown> }
