// SQL for the jobs ledger (table jobs): a submit's row, an observation that settles a job exactly once, and the reads of admin, key holders and the poller.
import type { Client, InStatement, Row } from '@libsql/client'
import { rollupDeltas } from '../metering/rollups.ts'
import type { UsageRecord } from '../metering/usage-record.ts'
import { recordStatements, rollupStatement } from '../metering/usage-writer.ts'
import type { JobObserved, JobSubmitted } from '../types/ledger-write.ts'
import { isTerminal, JOB_STATUSES, type JobStatus } from './job-status.ts'
import { jobUsageRecord, type SettlementContext } from './job-settlement.ts'

/** A job as admin and key holders read it. */
export interface StoredJob {
  readonly id: string
  readonly provider: string
  readonly providerJobId: string
  readonly orgId: string
  readonly keyId: string
  readonly requestId: string
  readonly model: string | null
  readonly kind: string
  readonly createPath: string
  readonly upstreamBase: string
  readonly credentialRef: string
  readonly params: Record<string, string | number | boolean>
  readonly status: JobStatus
  readonly rawStatus: string | null
  readonly createdAt: number
  readonly updatedAt: number
  readonly finishedAt: number | null
  readonly resultExpiresAt: number | null
  readonly reservedMicros: number | null
  readonly costMicros: number | null
  readonly costStatus: string | null
  readonly rawUsage: string | null
  readonly resultsPath: string | null
  readonly settledAt: number | null
  readonly nextPollAt: number | null
  readonly pollAttempts: number
  readonly pollErrors: number
}

const nullableNumber = (value: unknown) => (value === null || value === undefined ? null : Number(value))
const nullableString = (value: unknown) => (value === null || value === undefined ? null : String(value))

function paramsOf(text: unknown): Record<string, string | number | boolean> {
  try {
    const parsed = JSON.parse(String(text)) as unknown
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, string | number | boolean>) : {}
  } catch {
    return {}
  }
}

export function jobFromRow(row: Row): StoredJob {
  const r = row as unknown as Record<string, unknown>
  const status = String(r.status) as JobStatus
  return {
    id: String(r.id),
    provider: String(r.provider),
    providerJobId: String(r.provider_job_id),
    orgId: String(r.org_id),
    keyId: String(r.key_id),
    requestId: String(r.request_id),
    model: nullableString(r.model),
    kind: String(r.kind),
    createPath: String(r.create_path),
    upstreamBase: String(r.upstream_base),
    credentialRef: String(r.credential_ref),
    params: paramsOf(r.params),
    status: JOB_STATUSES.includes(status) ? status : 'unknown',
    rawStatus: nullableString(r.raw_status),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    finishedAt: nullableNumber(r.finished_at),
    resultExpiresAt: nullableNumber(r.result_expires_at),
    reservedMicros: nullableNumber(r.reserved_micros),
    costMicros: nullableNumber(r.cost_micros),
    costStatus: nullableString(r.cost_status),
    rawUsage: nullableString(r.raw_usage),
    resultsPath: nullableString(r.results_path),
    settledAt: nullableNumber(r.settled_at),
    nextPollAt: nullableNumber(r.next_poll_at),
    pollAttempts: Number(r.poll_attempts ?? 0),
    pollErrors: Number(r.poll_errors ?? 0),
  }
}

/** The first submit answer with an id makes the row; the same id again (a retried write, another instance) changes nothing. */
export function submitStatement(write: JobSubmitted): InStatement {
  return {
    sql: `INSERT INTO jobs (id, provider, provider_job_id, org_id, key_id, request_id, model, kind, create_path, upstream_base, credential_ref, params,
            status, raw_status, created_at, updated_at, result_expires_at, reserved_micros, next_poll_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (provider, provider_job_id) DO NOTHING`,
    args: [
      write.id, write.provider, write.objectId, write.orgId, write.keyId, write.requestId, write.model, write.kind, write.createPath, write.upstreamBase,
      write.credentialRef, write.params, write.status, write.rawStatus, write.at, write.at, write.resultExpiresAt, write.reservedMicros, write.nextPollAt,
    ],
  }
}

/** A job's usage row, returned when this call settled it (undefined: it was settled before, is not over, or is unknown). */
export type Observation = { readonly settled: UsageRecord | undefined; readonly job: StoredJob | undefined }

/**
 * Applies one answer's news to its job in one write transaction. The first sight of a terminal state settles it:
 * `settled_at` is set only where it is null, and the usage row (with its rollups) is written only when this
 * transaction set it, so a job is billed once however many polls, pollers or instances see its end.
 */
export async function observeJob(client: Client, write: JobObserved, context: SettlementContext): Promise<Observation> {
  const transaction = await client.transaction('write')
  try {
    const found = await transaction.execute({ sql: 'SELECT * FROM jobs WHERE provider = ? AND provider_job_id = ?', args: [write.provider, write.objectId] })
    const row = found.rows[0]
    if (!row) {
      await transaction.commit()
      return { settled: undefined, job: undefined }
    }
    const job = jobFromRow(row)
    if (job.settledAt !== null) {
      await transaction.commit()
      return { settled: undefined, job }
    }
    let status = (JOB_STATUSES as readonly string[]).includes(write.status) ? (write.status as JobStatus) : 'unknown'
    // Past the provider's retention, a job it no longer knows has expired (DashScope's UNKNOWN): nothing was billed.
    const retentionMs = context.providers(job.provider)?.jobs?.retentionMs
    if (status === 'unknown' && retentionMs !== undefined && write.at >= job.createdAt + retentionMs) status = 'expired'
    // A batch is billed from its results: at its end they are read first (the poller, at once), then it settles.
    const resultsPath = write.resultsPath ?? job.resultsPath
    if (isTerminal(status) && resultsPath && !write.results && !write.gaveUp) {
      await transaction.execute({
        sql: `UPDATE jobs SET status = ?, raw_status = coalesce(?, raw_status), updated_at = max(updated_at, ?), finished_at = coalesce(finished_at, ?),
                results_path = ?, next_poll_at = ? WHERE id = ? AND settled_at IS NULL`,
        args: [status, write.rawStatus, write.at, write.at, resultsPath, write.at, job.id],
      })
      await transaction.commit()
      return { settled: undefined, job }
    }
    if (!isTerminal(status) && !write.gaveUp) {
      await transaction.execute({
        sql: 'UPDATE jobs SET status = ?, raw_status = coalesce(?, raw_status), updated_at = max(updated_at, ?) WHERE id = ? AND settled_at IS NULL',
        args: [status, write.rawStatus, write.at, job.id],
      })
      await transaction.commit()
      return { settled: undefined, job }
    }
    const end = { status, at: write.at, usage: write.usage, rawUsage: write.rawUsage, model: write.model, ...(write.gaveUp ? { gaveUp: true } : {}), ...(write.results ? { results: write.results } : {}) }
    const record = jobUsageRecord(job, end, context)
    const updated = await transaction.execute({
      sql: `UPDATE jobs SET status = ?, raw_status = coalesce(?, raw_status), updated_at = ?, finished_at = ?, cost_micros = ?, cost_status = ?,
              raw_usage = ?, settled_at = ?, next_poll_at = NULL WHERE id = ? AND settled_at IS NULL`,
      args: [status, write.rawStatus, write.at, write.at, record.costMicros, record.costStatus, write.rawUsage, write.at, job.id],
    })
    if (updated.rowsAffected !== 1) {
      await transaction.commit()
      return { settled: undefined, job }
    }
    await transaction.batch([...recordStatements([record]), ...rollupDeltas([record]).map(rollupStatement)])
    await transaction.commit()
    return { settled: record, job }
  } finally {
    transaction.close()
  }
}

export async function findJob(client: Client, id: string): Promise<StoredJob | undefined> {
  const result = await client.execute({ sql: 'SELECT * FROM jobs WHERE id = ?', args: [id] })
  return result.rows[0] ? jobFromRow(result.rows[0]) : undefined
}

export interface JobQuery {
  readonly orgId?: string
  readonly keyId?: string
  readonly status?: JobStatus
  readonly provider?: string
  /** The last job of the previous page (newest first): rows strictly older than it. */
  readonly cursor?: { readonly createdAt: number; readonly id: string }
  readonly limit: number
}

/** Newest first; each filter is an equality on a column, the cursor a keyset. */
export async function listJobs(client: Client, query: JobQuery): Promise<StoredJob[]> {
  const clauses: string[] = []
  const args: (string | number)[] = []
  const equal = (column: string, value: string | undefined) => {
    if (value === undefined) return
    clauses.push(`${column} = ?`)
    args.push(value)
  }
  equal('org_id', query.orgId)
  equal('key_id', query.keyId)
  equal('status', query.status)
  equal('provider', query.provider)
  if (query.cursor) {
    clauses.push('(created_at < ? OR (created_at = ? AND id < ?))')
    args.push(query.cursor.createdAt, query.cursor.createdAt, query.cursor.id)
  }
  args.push(query.limit)
  const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : ''
  const result = await client.execute({ sql: `SELECT * FROM jobs ${where} ORDER BY created_at DESC, id DESC LIMIT ?`, args })
  return result.rows.map(jobFromRow)
}

/** Jobs by provider and status, for the gauges. */
export async function jobCounts(client: Client): Promise<{ provider: string; status: string; count: number }[]> {
  const result = await client.execute('SELECT provider, status, count(*) AS n FROM jobs GROUP BY provider, status')
  return result.rows.map((row) => ({ provider: String(row.provider), status: String(row.status), count: Number(row.n) }))
}

/** Jobs not settled yet whose submits reserved budget: what a restart holds again until their rows settle them. */
export async function unsettledReservations(client: Client): Promise<{ requestId: string; keyId: string; orgId: string; reservedMicros: number; until: number }[]> {
  const result = await client.execute('SELECT request_id, key_id, org_id, reserved_micros, result_expires_at FROM jobs WHERE settled_at IS NULL AND reserved_micros > 0')
  return result.rows.map((row) => ({
    requestId: String(row.request_id),
    keyId: String(row.key_id),
    orgId: String(row.org_id),
    reservedMicros: Number(row.reserved_micros),
    until: Number(row.result_expires_at ?? 0),
  }))
}
