// Liveness and readiness: /healthz checks the process and the database, /readyz says whether to send traffic.
import { Elysia } from 'elysia'
import type { Client } from '@libsql/client'

export interface HealthDeps {
  readonly client: Client
  /** False until start-up finished, and again once shutdown begins. */
  readonly ready: () => boolean
}

export function healthRoutes(deps: HealthDeps) {
  return new Elysia({ name: 'health' })
    .get('/healthz', async () => {
      try {
        await deps.client.execute('SELECT 1')
        return Response.json({ status: 'ok', database: 'ok' })
      } catch (error) {
        return Response.json({ status: 'degraded', database: String((error as Error).message ?? error) }, { status: 503 })
      }
    })
    .get('/readyz', () => (deps.ready() ? Response.json({ status: 'ready' }) : Response.json({ status: 'not_ready' }, { status: 503 })))
}
