// Admin API for async jobs: the jobs ledger, filtered and paged, and one job with its cost and how it is followed.
import { Elysia, t } from 'elysia'
import type { JobService } from '../services/job-service.ts'
import { JobSchema, JobsSchema, responses } from './admin-schemas.ts'

export function jobRoutes(jobs: JobService) {
  return new Elysia({ name: 'admin-jobs' })
    .get('/jobs', ({ query }) => jobs.list(query), {
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
    .get('/jobs/:id', ({ params }) => jobs.get(params.id), {
      response: responses({ 200: JobSchema }),
      detail: { summary: 'Show one async job: its status, cost and how it is followed', tags: ['jobs'] },
    })
}
