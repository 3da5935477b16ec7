// Liveness and readiness: /healthz fails when the database or metering does not work, /readyz also while starting or draining.
import { Elysia } from 'elysia'
import type { Client } from '@libsql/client'

export interface HealthDeps {
  readonly client: Client
  /** False until start-up finished, and again once shutdown begins. */
  readonly ready: () => boolean
  /** Why the database cannot be trusted with writes (its file was deleted or replaced); undefined while it can. */
  readonly databaseProblem?: () => string | undefined
  /** Why the database did not take the last write probe (locked, read-only, full); undefined while it does. */
  readonly databaseWriteProblem?: () => string | undefined
  /** Why metering does not work (worker stopped or stuck, backlog growing); undefined while it does, or when metering is off. */
  readonly meteringProblem?: () => string | undefined
  /** Whether metering runs at all (reported as "off" when not). */
  readonly metering?: boolean
}

interface Checked {
  readonly healthy: boolean
  readonly body: { database: string; metering: string }
}

async function check(deps: HealthDeps): Promise<Checked> {
  // A deleted file still answers SELECT 1 (the open descriptor keeps it alive): check the path first.
  let database = deps.databaseProblem?.()
  if (!database) {
    try {
      await deps.client.execute('SELECT 1')
    } catch (error) {
      database = String((error as Error).message ?? error)
    }
  }
  database ??= deps.databaseWriteProblem?.()
  const metering = deps.metering === false ? undefined : deps.meteringProblem?.()
  return {
    healthy: database === undefined && metering === undefined,
    body: { database: database ?? 'ok', metering: metering ?? (deps.metering === false ? 'off' : 'ok') },
  }
}

export function healthRoutes(deps: HealthDeps) {
  return new Elysia({ name: 'health' })
    .get('/healthz', async () => {
      const { healthy, body } = await check(deps)
      return Response.json({ status: healthy ? 'ok' : 'degraded', ...body }, { status: healthy ? 200 : 503 })
    })
    .get('/readyz', async () => {
      const { healthy, body } = await check(deps)
      const ready = healthy && deps.ready()
      return Response.json({ status: ready ? 'ready' : 'not_ready', ...body, ...(deps.ready() ? {} : { draining: true }) }, { status: ready ? 200 : 503 })
    })
}
