// Admin API for async jobs: the jobs ledger, filtered and paged, and one job with its cost and how it is followed.
import { Elysia, t } from 'elysia'
import { resolveKeyId } from '../analytics/filter-names.ts'
import { adminJobView, jobsPage, parseStatus } from '../jobs/jobs-service.ts'
import { findJob } from '../jobs/job-store.ts'
import { requireOrg, StoreError } from '../store/orgs.ts'
import { JobSchema, JobsSchema, responses } from './admin-schemas.ts'
import type { UsageRouteDeps } from './usage-routes.ts'

export function jobRoutes(deps: Pick<UsageRouteDeps, 'db' | 'client' | 'canonicalProvider'>) {
  return new Elysia({ name: 'admin-jobs' })
    .get(
      '/jobs',
      async ({ query }) => {
        const orgId = query.org ? (await requireOrg(deps.db, query.org)).id : undefined
        const keyId = query.key ? await resolveKeyId(deps.db, query.key, orgId) : undefined
        const provider = query.provider ? deps.canonicalProvider(query.provider) : undefined
        if (query.provider && !provider) throw new StoreError('invalid', `unknown provider "${query.provider}"`)
        try {
          const status = parseStatus(query.status)
          return await jobsPage(
            deps.client,
            {
              ...(orgId ? { orgId } : {}),
              ...(keyId ? { keyId } : {}),
              ...(status ? { status } : {}),
              ...(provider ? { provider } : {}),
              ...(query.cursor ? { cursor: query.cursor } : {}),
              ...(query.limit ? { limit: query.limit } : {}),
            },
            adminJobView,
          )
        } catch (error) {
          if (error instanceof RangeError) throw new StoreError('invalid', error.message)
          throw error
        }
      },
      {
        query: t.Object({
          org: t.Optional(t.String()),
          key: t.Optional(t.String()),
          status: t.Optional(t.String()),
          provider: t.Optional(t.String()),
          cursor: t.Optional(t.String()),
          limit: t.Optional(t.Integer({ minimum: 1, maximum: 200 })),
        }),
        response: responses({ 200: JobsSchema }),
        detail: { summary: 'List async jobs (tasks, batches), newest first', tags: ['jobs'] },
      },
    )
    .get(
      '/jobs/:id',
      async ({ params }) => {
        const job = await findJob(deps.client, params.id)
        if (!job) throw new StoreError('not_found', `no job "${params.id}"`)
        return adminJobView(job)
      },
      { response: responses({ 200: JobSchema }), detail: { summary: 'Show one async job: its status, cost and how it is followed', tags: ['jobs'] } },
    )
}
