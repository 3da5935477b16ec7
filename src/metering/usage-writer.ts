// Writes usage records in batches, one transaction per batch with its rollups; retries with bounded memory when the DB is away.
import type { Client, InStatement } from '@libsql/client'
import { rollupDeltas, type RollupDelta } from './rollups.ts'
import type { UsageRecord } from './usage-record.ts'

const RECORD_COLUMNS = [
  'request_id', 'started_at', 'org_id', 'key_id', 'provider', 'model', 'endpoint', 'method', 'status', 'streamed',
  'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens', 'images', 'video_seconds',
  'audio_seconds', 'cost_micros', 'cost_status', 'usage_source', 'price_source', 'cost_detail', 'ended_by', 'partial',
  'ttfb_ms', 'duration_ms', 'user', 'tags', 'raw_usage', 'error_code',
] as const

const ROW_PLACEHOLDERS = `(${RECORD_COLUMNS.map(() => '?').join(', ')})`
/** Rows per INSERT: one multi-row statement is several times cheaper than one statement per row (999-parameter floor). */
const ROWS_PER_INSERT = Math.floor(999 / RECORD_COLUMNS.length)

function insertSql(rows: number): string {
  return `INSERT INTO usage_events (${RECORD_COLUMNS.join(', ')}) VALUES ${Array.from({ length: rows }, () => ROW_PLACEHOLDERS).join(', ')} ON CONFLICT(request_id) DO NOTHING`
}

const UPSERT_ROLLUP = `INSERT INTO usage_rollups (grain, bucket_start, org_id, key_id, provider, model, requests, errors, input_tokens, output_tokens,
  cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_micros, unpriced_requests, estimated_requests)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (grain, bucket_start, org_id, key_id, provider, model) DO UPDATE SET
  requests = requests + excluded.requests, errors = errors + excluded.errors,
  input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
  cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens, cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
  reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens, cost_micros = cost_micros + excluded.cost_micros,
  unpriced_requests = unpriced_requests + excluded.unpriced_requests, estimated_requests = estimated_requests + excluded.estimated_requests`

function recordArgs(r: UsageRecord) {
  return [
    r.requestId, r.startedAt, r.orgId, r.keyId, r.provider, r.model, r.endpoint, r.method, r.status, r.streamed ? 1 : 0,
    r.inputTokens, r.outputTokens, r.cacheReadTokens, r.cacheWriteTokens, r.reasoningTokens, r.images, r.videoSeconds,
    r.audioSeconds, r.costMicros, r.costStatus, r.usageSource, r.priceSource, r.costDetail, r.endedBy, r.partial ? 1 : 0,
    r.ttfbMs, r.durationMs, r.user, r.tags, r.rawUsage, r.errorCode ?? null,
  ]
}

export function recordStatements(records: readonly UsageRecord[]): InStatement[] {
  const statements: InStatement[] = []
  for (let i = 0; i < records.length; i += ROWS_PER_INSERT) {
    const chunk = records.slice(i, i + ROWS_PER_INSERT)
    statements.push({ sql: insertSql(chunk.length), args: chunk.flatMap(recordArgs) })
  }
  return statements
}

export function rollupStatement(d: RollupDelta): InStatement {
  return {
    sql: UPSERT_ROLLUP,
    args: [
      d.grain, d.bucketStart, d.orgId, d.keyId, d.provider, d.model, d.requests, d.errors, d.inputTokens, d.outputTokens,
      d.cacheReadTokens, d.cacheWriteTokens, d.reasoningTokens, d.costMicros, d.unpricedRequests, d.estimatedRequests,
    ],
  }
}

/**
 * Replay of the spool: stores only the records whose request id is not stored yet, with the rollups of exactly those,
 * in one transaction, so a batch written before a crash is neither duplicated nor counted twice. Returns how many were new.
 */
export async function writeNewRecords(client: Client, records: readonly UsageRecord[]): Promise<number> {
  const transaction = await client.transaction('write')
  try {
    const seen = new Set<string>()
    for (let i = 0; i < records.length; i += ROWS_PER_INSERT) {
      const ids = records.slice(i, i + ROWS_PER_INSERT).map((record) => record.requestId)
      const stored = await transaction.execute({ sql: `SELECT request_id FROM usage_events WHERE request_id IN (${ids.map(() => '?').join(', ')})`, args: ids })
      for (const row of stored.rows) seen.add(String(row.request_id))
    }
    // `seen` also takes each fresh id, so a request id twice in one replay is stored once.
    const fresh = records.filter((record) => !seen.has(record.requestId) && seen.add(record.requestId))
    if (fresh.length > 0) await transaction.batch([...recordStatements(fresh), ...rollupDeltas(fresh).map(rollupStatement)])
    await transaction.commit()
    return fresh.length
  } finally {
    transaction.close()
  }
}

export interface UsageWriterOptions {
  readonly flushIntervalMs: number
  readonly flushRows: number
  /** Rows held while the database is unavailable; beyond this the oldest are shed and counted. */
  readonly maxPendingRows: number
  readonly onWritten: (records: UsageRecord[]) => void
  /** Rows given up past `maxPendingRows`. */
  readonly onShed?: (records: UsageRecord[]) => void
  readonly onError: (message: string, fields: Record<string, unknown>) => void
  /**
   * Asked before every batch: a reason here (the database file was deleted) fails the batch like a write error, so
   * its rows stay pending, unacknowledged, rather than "succeed" into a file nobody will read.
   */
  readonly refuseWrites?: () => string | undefined
}

export class UsageWriter {
  private pending: UsageRecord[] = []
  private timer: ReturnType<typeof setTimeout> | undefined
  private writing: Promise<void> | undefined
  private backoffMs = 0
  shedRows = 0
  writeFailures = 0
  /** Why the last batch failed; cleared by the next one written. */
  lastError: string | undefined

  constructor(
    private readonly client: Client,
    private readonly options: UsageWriterOptions,
  ) {}

  get pendingRows(): number {
    return this.pending.length
  }

  add(records: UsageRecord[]): void {
    this.pending.push(...records)
    if (this.pending.length > this.options.maxPendingRows) {
      const excess = this.pending.length - this.options.maxPendingRows
      const shed = this.pending.splice(0, excess)
      this.shedRows += excess
      this.options.onShed?.(shed)
      this.options.onError('usage rows shed: the database has been unavailable too long', { shed: this.shedRows })
    }
    if (this.pending.length >= this.options.flushRows) void this.flush()
    else this.schedule(this.options.flushIntervalMs)
  }

  private schedule(delay: number): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined
      void this.flush()
    }, delay)
  }

  /** Writes everything pending; on failure keeps it and retries with backoff (1 s doubling to 30 s). */
  async flush(): Promise<void> {
    if (this.writing) return this.writing
    if (this.pending.length === 0) return
    const batch = this.pending.splice(0, this.options.flushRows)
    // Cleared in `finally`, which runs after this assignment even when the write fails before its first await.
    this.writing = this.write(batch).finally(() => {
      this.writing = undefined
      if (this.pending.length > 0) this.schedule(this.backoffMs || 0)
    })
    return this.writing
  }

  private async write(batch: UsageRecord[]): Promise<void> {
    try {
      const refused = this.options.refuseWrites?.()
      if (refused) throw new Error(refused)
      const statements = [...recordStatements(batch), ...rollupDeltas(batch).map(rollupStatement)]
      await this.client.batch(statements, 'write')
      this.backoffMs = 0
      this.lastError = undefined
      this.options.onWritten(batch)
    } catch (error) {
      this.pending.unshift(...batch)
      this.writeFailures++
      this.lastError = String(error)
      this.backoffMs = Math.min(30_000, this.backoffMs === 0 ? 1_000 : this.backoffMs * 2)
      this.options.onError('usage write failed; will retry', { error: String(error), pending: this.pending.length, retryInMs: this.backoffMs })
    }
  }

  /** Flushes until nothing is pending or `deadline` passes; true when everything was written. */
  async drain(deadline: number): Promise<boolean> {
    while (this.pending.length > 0 || this.writing) {
      if (Date.now() > deadline) return false
      // No retry can succeed against a deleted file: do not hold shutdown for the whole deadline.
      if (!this.writing && this.options.refuseWrites?.()) return false
      if (this.writing) await this.writing
      else await this.flush()
      if (this.pending.length > 0 && this.backoffMs > 0) await Bun.sleep(Math.min(this.backoffMs, 500))
    }
    return true
  }
}
