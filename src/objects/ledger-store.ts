// SQL for the provider-object ledger (table provider_objects), shared by the proxy thread and the metering worker.
import type { Client, InStatement } from '@libsql/client'
import { observeJob, submitStatement } from '../jobs/job-store.ts'
import type { SettlementContext } from '../jobs/job-settlement.ts'
import type { UsageRecord } from '../metering/usage-record.ts'
import { settlementOf } from '../metering/job-records.ts'
import type { Settlement } from '../metering/meter-job.ts'
import { builtInProvider } from '../providers/registry.ts'
import type { LedgerWrite } from '../types/ledger-write.ts'

// LedgerWrite lives in src/types/ledger-write.ts: the metering channel carries it without importing src/objects.
export type { LedgerWrite }

export interface StoredOwner {
  readonly kind: string
  readonly orgId: string
  readonly keyId: string
  readonly createdAt: number
  readonly deleted: boolean
}

export interface ListedObject {
  readonly objectId: string
  readonly kind: string
  readonly createdAt: number
  readonly status: string | null
  readonly snapshot: string | null
}

export interface ListQuery {
  readonly provider: string
  readonly kind: string
  readonly orgId: string
  readonly limit: number
  /** Rows strictly older (in list order) than this one. */
  readonly before?: { readonly createdAt: number; readonly objectId: string }
  readonly offset?: number
  /** Only objects whose snapshot has this top-level string field (OpenAI's files list by `purpose`). */
  readonly field?: { readonly name: 'purpose' | 'status'; readonly value: string }
}

function statementOf(write: Exclude<LedgerWrite, { op: 'job-observe' }>): InStatement {
  switch (write.op) {
    case 'create':
      // The first owner stays the owner: a provider answering with an id the ledger already holds changes nothing.
      return {
        sql: `INSERT INTO provider_objects (provider, object_id, kind, org_id, key_id, request_id, created_at, updated_at, status, snapshot)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (provider, object_id) DO NOTHING`,
        args: [write.provider, write.objectId, write.kind, write.orgId, write.keyId, write.requestId, write.at, write.at, write.status, write.snapshot],
      }
    case 'delete':
      return {
        sql: 'UPDATE provider_objects SET deleted_at = ?, updated_at = ? WHERE provider = ? AND object_id = ? AND deleted_at IS NULL',
        args: [write.at, write.at, write.provider, write.objectId],
      }
    case 'refresh':
      return {
        sql: 'UPDATE provider_objects SET status = coalesce(?, status), snapshot = coalesce(?, snapshot), updated_at = ? WHERE provider = ? AND object_id = ?',
        args: [write.status, write.snapshot, write.at, write.provider, write.objectId],
      }
    case 'job-submit':
      return submitStatement(write)
  }
}

const NO_OVERRIDES: SettlementContext = { overrides: [], providers: builtInProvider }

/**
 * Object rows and job submits in one transaction, in order (a create and its delete may travel together); then each
 * job observation in a transaction of its own (src/jobs/job-store.ts), after the submits it may follow. Returns the
 * usage rows of the jobs this call settled (budgets and metrics hear of them like any row).
 */
export async function writeObjects(client: Client, writes: readonly LedgerWrite[], jobs: SettlementContext = NO_OVERRIDES): Promise<SettledJob[]> {
  const rows = writes.filter((write) => write.op !== 'job-observe')
  if (rows.length > 0) await client.batch(rows.map(statementOf), 'write')
  const settled: SettledJob[] = []
  for (const write of writes) {
    if (write.op !== 'job-observe') continue
    const { settled: record, job } = await observeJob(client, write, jobs)
    if (record && job) settled.push({ record, reservation: job.requestId })
  }
  return settled
}

/** A job's one usage row, and the submit whose budget reservation it settles. */
export interface SettledJob {
  readonly record: UsageRecord
  readonly reservation: string
}

/** What budgets and metrics hear of a settled job (src/metering/meter-job.ts Settlement). */
export function jobSettlement(job: SettledJob): Settlement {
  return { ...settlementOf(job.record), reservation: job.reservation, jobDurationMs: job.record.durationMs }
}

function ownerOf(row: Record<string, unknown>): StoredOwner {
  return {
    kind: String(row.kind),
    orgId: String(row.org_id),
    keyId: String(row.key_id),
    createdAt: Number(row.created_at),
    deleted: row.deleted_at !== null,
  }
}

/** Point lookup by primary key. */
export async function findObject(client: Client, provider: string, objectId: string): Promise<StoredOwner | undefined> {
  const result = await client.execute({
    sql: 'SELECT kind, org_id, key_id, created_at, deleted_at FROM provider_objects WHERE provider = ? AND object_id = ?',
    args: [provider, objectId],
  })
  const row = result.rows[0]
  return row ? ownerOf(row as unknown as Record<string, unknown>) : undefined
}

/** The newest objects first, to warm the ownership cache at start-up. */
export async function recentObjects(client: Client, limit: number): Promise<[provider: string, objectId: string, owner: StoredOwner][]> {
  const result = await client.execute({
    sql: 'SELECT provider, object_id, kind, org_id, key_id, created_at, deleted_at FROM provider_objects ORDER BY created_at DESC LIMIT ?',
    args: [limit],
  })
  return result.rows.map((row) => {
    const record = row as unknown as Record<string, unknown>
    return [String(record.provider), String(record.object_id), ownerOf(record)]
  })
}

const LIST_SCOPE = 'org_id = ? AND provider = ? AND kind = ? AND deleted_at IS NULL'

/** An org's live objects of one kind, newest first (the order every provider lists in by default). */
export async function listObjects(client: Client, query: ListQuery): Promise<ListedObject[]> {
  const args: (string | number)[] = [query.orgId, query.provider, query.kind]
  let where = LIST_SCOPE
  if (query.before) {
    where += ' AND (created_at < ? OR (created_at = ? AND object_id < ?))'
    args.push(query.before.createdAt, query.before.createdAt, query.before.objectId)
  }
  if (query.field) {
    // The name is one of a closed set, never the client's text.
    where += ` AND json_extract(snapshot, '$.${query.field.name}') = ?`
    args.push(query.field.value)
  }
  args.push(query.limit, query.offset ?? 0)
  const result = await client.execute({
    sql: `SELECT object_id, kind, created_at, status, snapshot FROM provider_objects WHERE ${where} ORDER BY created_at DESC, object_id DESC LIMIT ? OFFSET ?`,
    args,
  })
  return result.rows.map((row) => {
    const record = row as unknown as Record<string, unknown>
    return {
      objectId: String(record.object_id),
      kind: String(record.kind),
      createdAt: Number(record.created_at),
      status: record.status === null ? null : String(record.status),
      snapshot: record.snapshot === null ? null : String(record.snapshot),
    }
  })
}

export async function countObjects(client: Client, query: Pick<ListQuery, 'provider' | 'kind' | 'orgId'>): Promise<number> {
  const result = await client.execute({ sql: `SELECT count(*) AS n FROM provider_objects WHERE ${LIST_SCOPE}`, args: [query.orgId, query.provider, query.kind] })
  return Number((result.rows[0] as unknown as Record<string, unknown>).n)
}
