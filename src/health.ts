// Liveness and readiness: /healthz checks the process and the database, /readyz says whether to send traffic.
import { Elysia } from 'elysia'
import type { Client } from '@libsql/client'

export interface HealthDeps {
  readonly client: Client
  /** False until start-up finished, and again once shutdown begins. */
  readonly ready: () => boolean
  /** Why the database cannot be trusted with writes (its file was deleted or replaced); undefined while it can. */
  readonly databaseProblem?: () => string | undefined
}

export function healthRoutes(deps: HealthDeps) {
  return new Elysia({ name: 'health' })
    .get('/healthz', async () => {
      // A deleted file still answers SELECT 1 (the open descriptor keeps it alive): check the path first.
      const problem = deps.databaseProblem?.()
      if (problem) return Response.json({ status: 'degraded', database: problem }, { status: 503 })
      try {
        await deps.client.execute('SELECT 1')
        return Response.json({ status: 'ok', database: 'ok' })
      } catch (error) {
        return Response.json({ status: 'degraded', database: String((error as Error).message ?? error) }, { status: 503 })
      }
    })
    .get('/readyz', () => {
      const problem = deps.databaseProblem?.()
      if (problem) return Response.json({ status: 'not_ready', database: problem }, { status: 503 })
      return deps.ready() ? Response.json({ status: 'ready' }) : Response.json({ status: 'not_ready' }, { status: 503 })
    })
}
