// Writes usage records in batches, one transaction per batch with its rollups; retries with bounded memory when the DB is away.
import type { Client, InStatement, InValue } from '@libsql/client'
import type { BatchWriter } from '../../db/local-batch.ts'
import { pushUsageEventArgs, rollupArgs, ROLLUP_UPSERT_SQL, USAGE_ROWS_PER_INSERT, usageInsertSql } from '../../db/usage-columns.ts'
import { rollupDeltas, type RollupDelta } from './rollups.ts'
import type { UsageRecord } from './usage-record.ts'

/** The INSERTs of `records`, `rowsPerInsert` rows to a statement (as many as the parameter limit allows by default). */
export function recordStatements(records: readonly UsageRecord[], rowsPerInsert: number = USAGE_ROWS_PER_INSERT): InStatement[] {
  const perInsert = Math.max(1, Math.min(USAGE_ROWS_PER_INSERT, Math.floor(rowsPerInsert)))
  const statements: InStatement[] = []
  for (let i = 0; i < records.length; i += perInsert) {
    const chunk = records.slice(i, i + perInsert)
    const args: InValue[] = []
    for (const record of chunk) pushUsageEventArgs(record, args)
    statements.push({ sql: usageInsertSql(chunk.length), args })
  }
  return statements
}

export function rollupStatement(d: RollupDelta): InStatement {
  return { sql: ROLLUP_UPSERT_SQL, args: rollupArgs(d) }
}

/**
 * Replay of the spool: stores only the records whose request id is not stored yet, with the rollups of exactly those,
 * in one transaction, so a batch written before a crash is neither duplicated nor counted twice. Returns how many were new.
 */
export async function writeNewRecords(client: Client, records: readonly UsageRecord[]): Promise<number> {
  const transaction = await client.transaction('write')
  try {
    const seen = new Set<string>()
    for (let i = 0; i < records.length; i += USAGE_ROWS_PER_INSERT) {
      const ids = records.slice(i, i + USAGE_ROWS_PER_INSERT).map((record) => record.requestId)
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

  /** `client` is the libSQL Client, or on a local file the native batch writer (src/db/local-batch.ts). */
  constructor(
    private readonly client: BatchWriter,
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
      // Rollups are summed per bucket over the whole batch first: one upsert per bucket, not one per row.
      const statements = [...recordStatements(batch, this.client.rowsPerInsert), ...rollupDeltas(batch).map(rollupStatement)]
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
