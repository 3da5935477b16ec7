// Reads of the jobs ledger for people: one job's view, pages of jobs for admins, and a key holder's own jobs (jobsForKey).
import type { Client } from '@libsql/client'
import { findJob, listJobs, type JobQuery, type StoredJob } from './job-store.ts'
import { JOB_STATUSES, type JobStatus } from './job-status.ts'

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())
const usd = (micros: number | null) => (micros === null ? null : micros / 1_000_000)

function usageOf(raw: string | null): unknown {
  if (raw === null) return null
  try {
    return JSON.parse(raw) as unknown
  } catch {
    return null
  }
}

/** What a key holder sees of one of its jobs: status, times and cost (no upstream or credential). */
export function keyJobView(job: StoredJob) {
  return {
    id: job.id,
    provider: job.provider,
    provider_job_id: job.providerJobId,
    model: job.model,
    kind: job.kind,
    status: job.status,
    raw_status: job.rawStatus,
    created_at: iso(job.createdAt)!,
    updated_at: iso(job.updatedAt)!,
    finished_at: iso(job.finishedAt),
    result_expires_at: iso(job.resultExpiresAt),
    reserved_usd: usd(job.reservedMicros),
    cost_usd: usd(job.costMicros),
    cost_status: job.costStatus,
    settled: job.settledAt !== null,
  }
}

/** What an admin sees: everything the ledger holds, the credential only by its reference. */
export function adminJobView(job: StoredJob) {
  return {
    ...keyJobView(job),
    org_id: job.orgId,
    key_id: job.keyId,
    request_id: job.requestId,
    create_path: job.createPath,
    upstream_base: job.upstreamBase,
    credential_ref: job.credentialRef,
    params: job.params,
    usage: usageOf(job.rawUsage),
    settled_at: iso(job.settledAt),
    next_poll_at: iso(job.nextPollAt),
    poll_attempts: job.pollAttempts,
    poll_errors: job.pollErrors,
  }
}

export type KeyJobView = ReturnType<typeof keyJobView>
export type AdminJobView = ReturnType<typeof adminJobView>

/** An opaque cursor: where the last page ended (the jobs list newest first). */
export function encodeCursor(job: Pick<StoredJob, 'createdAt' | 'id'>): string {
  return Buffer.from(`${job.createdAt}:${job.id}`).toString('base64url')
}

export function decodeCursor(cursor: string): { createdAt: number; id: string } | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  const at = text.indexOf(':')
  const createdAt = Number(text.slice(0, at))
  const id = text.slice(at + 1)
  return at > 0 && Number.isSafeInteger(createdAt) && /^job_[A-Za-z0-9]{1,64}$/.test(id) ? { createdAt, id } : undefined
}

export function parseStatus(value: string | undefined): JobStatus | undefined {
  if (value === undefined) return undefined
  if (!(JOB_STATUSES as readonly string[]).includes(value)) throw new RangeError(`status must be one of ${JOB_STATUSES.join(', ')}`)
  return value as JobStatus
}

export interface JobsPage<V> {
  readonly data: V[]
  readonly next_cursor: string | null
}

export const MAX_PAGE = 200

/** One page of jobs, newest first, with the cursor of the next one. */
export async function jobsPage<V>(client: Client, query: Omit<JobQuery, 'cursor' | 'limit'> & { cursor?: string; limit?: number }, view: (job: StoredJob) => V): Promise<JobsPage<V>> {
  const limit = Math.max(1, Math.min(MAX_PAGE, Math.floor(query.limit ?? 50)))
  const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor)
  if (query.cursor !== undefined && !cursor) throw new RangeError('cursor is not one this API gave')
  const { cursor: _raw, limit: _limit, ...filters } = query
  const rows = await listJobs(client, { ...filters, limit: limit + 1, ...(cursor ? { cursor } : {}) })
  const page = rows.slice(0, limit)
  return { data: page.map(view), next_cursor: rows.length > limit ? encodeCursor(page.at(-1)!) : null }
}

/**
 * The calling key's own jobs, newest first, with normalised status and cost: for `GET /v1/jobs`. Only this key's
 * rows can come back (the key id is the first filter), whatever the other options say.
 */
export function jobsForKey(client: Client, keyId: string, options: { status?: JobStatus; provider?: string; cursor?: string; limit?: number } = {}): Promise<JobsPage<KeyJobView>> {
  return jobsPage(client, { ...options, keyId }, keyJobView)
}

/** One of the calling key's jobs by our id; undefined for any other key's (no existence leak). */
export async function jobForKey(client: Client, keyId: string, id: string): Promise<KeyJobView | undefined> {
  const job = await findJob(client, id)
  return job && job.keyId === keyId ? keyJobView(job) : undefined
}
