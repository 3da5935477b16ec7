// The dashboard's jobs read, run on the query worker: the org's (or one key's) jobs from the jobs ledger's own reads, those still in flight first.
import type { Client } from '@libsql/client'
import { JOB_STATUSES, TERMINAL_STATUSES, type JobStatus } from '../jobs/job-status.ts'
import type { StoredJob } from '../jobs/job-store.ts'
import { jobsPage, keyJobView, MAX_PAGE } from '../jobs/jobs-service.ts'
import { StoreError } from '../store/orgs.ts'
import type { DashboardJobsPage, DashboardJobView } from '../types/dashboard-api.ts'

/** A validated jobs query: the scope is the session's (an org, and a key for a key holder), never the caller's. */
export interface JobsQuery {
  orgId: string
  keyId?: string
  status?: JobStatus
  cursor?: string
  /** 1 to 200. */
  limit: number
}

/** Not ended: queued, running, and unknown (the poller could not tell, so it may still run). */
export const IN_FLIGHT: readonly JobStatus[] = JOB_STATUSES.filter((status) => !TERMINAL_STATUSES.has(status))

/** What any dashboard user of the org sees of a job: the key holder's view plus the key it is charged to. */
export function dashboardJobView(job: StoredJob): DashboardJobView {
  return { ...keyJobView(job), key_id: job.keyId }
}

/** Later pages skip the in-flight jobs (the first page showed them) until this many ended ones are found, at most. */
const MAX_SKIP_ROUNDS = 8

export async function dashboardJobs(client: Client, query: JobsQuery): Promise<DashboardJobsPage> {
  const scope = { orgId: query.orgId, ...(query.keyId ? { keyId: query.keyId } : {}) }
  const page = <V>(options: { status?: JobStatus; cursor?: string; limit: number }, view: (job: StoredJob) => V) =>
    jobsPage(client, { ...scope, ...options }, view).catch((error: unknown) => {
      throw error instanceof RangeError ? new StoreError('invalid', error.message) : error
    })
  // One status chosen: its jobs, newest first, nothing set apart.
  if (query.status) {
    const chosen = await page({ status: query.status, limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) }, dashboardJobView)
    return { in_flight: [], data: chosen.data, next_cursor: chosen.next_cursor }
  }
  // Every status: the in-flight ones first (on the first page), then the ended ones page by page; each is an
  // equality on the org/key index, so a page costs a bounded walk whatever the table holds.
  const inFlight = query.cursor
    ? []
    : (await Promise.all(IN_FLIGHT.map((status) => page({ status, limit: MAX_PAGE }, dashboardJobView))))
        .flatMap((p) => p.data)
        .sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : a.id < b.id ? 1 : -1))
        .slice(0, MAX_PAGE)
  const ended: DashboardJobView[] = []
  let cursor = query.cursor
  let next: string | null = null
  for (let round = 0; round < MAX_SKIP_ROUNDS && ended.length < query.limit; round++) {
    const batch = await page({ limit: query.limit - ended.length, ...(cursor ? { cursor } : {}) }, dashboardJobView)
    ended.push(...batch.data.filter((job) => TERMINAL_STATUSES.has(job.status)))
    next = batch.next_cursor
    if (next === null) break
    cursor = next
  }
  return { in_flight: inFlight, data: ended, next_cursor: next }
}
