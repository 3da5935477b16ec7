// Runs a batch of statements in one write transaction on a local libSQL file, through the `libsql` package's native prepared statements.
import type { InStatement, InValue } from '@libsql/client'
import Database from 'libsql'
import { BUSY_TIMEOUT_MS, type Database as OpenDatabase } from './client.ts'

/** What a batched writer needs of a database: statements run in order, all or none (the libSQL Client is one). */
export interface BatchWriter {
  batch(statements: InStatement[], mode: 'write'): Promise<unknown>
  /**
   * Rows per multi-row INSERT this writer is fastest with. The Client pays per statement, so it wants many rows in
   * one; a native prepared statement pays per bound value instead, so one row per run is cheapest.
   */
  readonly rowsPerInsert?: number
}

export interface LocalBatchWriter extends BatchWriter {
  close(): void
}

/** Prepared statements kept per SQL text; the writers use a handful, so this bound is never reached in practice. */
const MAX_PREPARED = 64

/**
 * A second connection to the same file, beside the Client's: `@libsql/client` marshals every value through its
 * promise API (about 70 µs a usage row with its rollups), where a prepared statement bound natively costs a few µs.
 * The whole batch runs synchronously between BEGIN IMMEDIATE and COMMIT, so nothing else on this thread can
 * interleave with it, and a failure rolls it all back. Remote databases keep the Client.
 */
export function openLocalBatchWriter(path: string, busyTimeoutMs: number = BUSY_TIMEOUT_MS): LocalBatchWriter {
  const db = new Database(path)
  // Per connection, as openDatabase sets them for the Client's: the busy timeout rides out another thread's write.
  db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`)
  db.exec('PRAGMA journal_mode = WAL')
  db.exec('PRAGMA synchronous = NORMAL')
  db.exec('PRAGMA foreign_keys = ON')
  // The pages a batch appends to (the table's end and each index's insertion points) stay cached at any table size.
  db.exec('PRAGMA cache_size = -16384')
  const prepared = new Map<string, ReturnType<typeof db.prepare>>()
  const statementFor = (sql: string) => {
    let statement = prepared.get(sql)
    if (!statement) {
      if (prepared.size >= MAX_PREPARED) prepared.clear()
      statement = db.prepare(sql)
      prepared.set(sql, statement)
    }
    return statement
  }
  return {
    rowsPerInsert: 1,
    async batch(statements: InStatement[]): Promise<void> {
      db.exec('BEGIN IMMEDIATE')
      try {
        for (const statement of statements) {
          if (typeof statement === 'string') statementFor(statement).run([])
          else statementFor(statement.sql).run((statement.args ?? []) as InValue[] | Record<string, InValue>)
        }
        db.exec('COMMIT')
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK')
        throw error
      }
    },
    close: () => db.close(),
  }
}

/** The batch writer for an open database: native on a local file, its Client for a remote one (closing that is the Client's owner's call). */
export function batchWriterFor(database: Pick<OpenDatabase, 'client' | 'file'>): LocalBatchWriter {
  if (database.file) return openLocalBatchWriter(database.file.path)
  const client = database.client
  return { batch: (statements, mode) => client.batch(statements, mode), close: () => {} }
}
