// Async jobs as the admin surface shows them: filters validated here (names or ids), pages from the jobs ledger.
import { resolveKeyId } from '../analytics/filter-names.ts'
import { findJob } from '../jobs/job-store.ts'
import { adminJobView, jobsPage, parseStatus, type AdminJobView, type JobsPage } from '../jobs/jobs-service.ts'
import type { JsonText } from '../analytics/usage-reads.ts'
import { requireOrg, StoreError } from '../store/orgs.ts'
import type { DashboardJobsPage } from '../types/dashboard-api.ts'
import type { ServiceContext } from './service-context.ts'

/** As a caller writes it: an org and a key by name or id, a status, a provider id or alias, a cursor, 1 to 200 per page. */
export interface JobsQueryInput {
  org?: string
  key?: string
  status?: string
  provider?: string
  cursor?: string
  limit?: number
}

export interface JobService {
  /** Newest first, with a cursor for the next page. */
  list(input: JobsQueryInput): Promise<JobsPage<AdminJobView>>
  /** One job with its cost and how it is followed. */
  get(id: string): Promise<AdminJobView>
  /**
   * The dashboard's jobs page for a session's scope (an org id, and the key id for a key holder), in flight first;
   * read on the query worker in a gateway, answered as JSON text.
   */
  dashboard(input: DashboardJobsInput): Promise<JsonText<DashboardJobsPage>>
}

/** The scope is the session's, already resolved to ids; the rest as a query string gives it. */
export interface DashboardJobsInput {
  orgId: string
  keyId?: string | null
  status?: string
  cursor?: string
  /** 1 to 200, default 50. */
  limit?: string | number
}

export function createJobService<B>(ctx: ServiceContext<B>): JobService {
  return {
    async list(input) {
      const orgId = input.org ? (await requireOrg(ctx.db, input.org)).id : undefined
      const keyId = input.key ? await resolveKeyId(ctx.db, input.key, orgId) : undefined
      const provider = input.provider ? ctx.canonicalProvider(input.provider) : undefined
      if (input.provider && !provider) throw new StoreError('invalid', `unknown provider "${input.provider}"`)
      try {
        const status = parseStatus(input.status)
        // A page of at most 200 rows on the jobs table's indexes: small enough for the calling thread.
        return await jobsPage(
          ctx.client,
          {
            ...(orgId ? { orgId } : {}),
            ...(keyId ? { keyId } : {}),
            ...(status ? { status } : {}),
            ...(provider ? { provider } : {}),
            ...(input.cursor ? { cursor: input.cursor } : {}),
            ...(input.limit ? { limit: input.limit } : {}),
          },
          adminJobView,
        )
      } catch (error) {
        if (error instanceof RangeError) throw new StoreError('invalid', error.message)
        throw error
      }
    },
    async dashboard(input) {
      let status
      try {
        status = parseStatus(input.status || undefined)
      } catch (error) {
        throw new StoreError('invalid', (error as Error).message)
      }
      const limit = Math.min(200, Math.max(1, Math.floor(Number(input.limit ?? 50)) || 50))
      return ctx.reads.jobsJson({
        orgId: input.orgId,
        ...(input.keyId ? { keyId: input.keyId } : {}),
        ...(status ? { status } : {}),
        ...(input.cursor ? { cursor: input.cursor.slice(0, 200) } : {}),
        limit,
      })
    },
    async get(id) {
      const job = await findJob(ctx.client, id)
      if (!job) throw new StoreError('not_found', `no job "${id}"`)
      return adminJobView(job)
    },
  }
}
