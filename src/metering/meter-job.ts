// The messages that cross between the proxy thread and the metering worker.
import type { UsageFamily } from './usage-types.ts'
import type { EndedBy } from '../proxy/forward.ts'
import type { PriceOverride } from '../pricing/types.ts'

/** One finished exchange, as the proxy saw it. Flat, so postMessage stays on its fast path. */
export interface MeterJob {
  requestId: string
  startedAt: number
  orgId: string
  keyId: string
  provider: string
  family: UsageFamily
  /** The model the request named (the response may report a more precise one). */
  model: string | null
  /** Upstream path without the query. */
  endpoint: string
  method: string
  status: number
  streamed: boolean
  contentType: string
  contentEncoding: string
  /** The response bytes as received (possibly compressed), or the retained head and tail of them. */
  body: ArrayBuffer | null
  truncated: boolean
  /** The request body, kept only when a stream may need token estimation. */
  requestBody: ArrayBuffer | null
  ttfbMs: number | null
  durationMs: number
  endedBy: EndedBy
  user: string | null
  /** JSON array of strings. */
  tags: string | null
}

export interface WorkerInit {
  databaseUrl: string
  databaseAuthToken?: string
  flushIntervalMs: number
  flushRows: number
  retentionDays: number
  /** Global overrides from the config file; database overrides are loaded by the worker itself. */
  configOverrides: PriceOverride[]
  /** Test hook: the worker blocks this long before handling its first batch. */
  stallFirstBatchMs?: number
}

export type ToWorker =
  | { type: 'init'; init: WorkerInit }
  | { type: 'jobs'; jobs: MeterJob[] }
  | { type: 'drain' }
  | { type: 'reload-prices' }

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
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'settled'; settlements: Settlement[] }
  | { type: 'ack'; jobs: number; bytes: number }
  | { type: 'stats'; pendingRows: number; shedRows: number; writeFailures: number }
  | { type: 'drained' }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string; fields?: Record<string, unknown> }
