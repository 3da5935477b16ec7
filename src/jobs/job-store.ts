// Reads of the jobs ledger (table jobs): for admin, key holders, the poller and start-up; the writes are in job-writes.ts.
import type { Client, Row } from '@libsql/client'
import { JOB_STATUSES, type JobStatus } from './job-status.ts'

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
