// Reads a scope's recorded spend since a period start: raw rows for calendar periods, daily rollups for "total" (never pruned).
import type { Client } from '@libsql/client'
import type { Scope } from './budget-ledger.ts'
import type { SpendSource } from './limits-stage.ts'

export function spendSince(client: Client): SpendSource {
  return async (scope: Scope, since: number) => {
    const column = scope.kind === 'key' ? 'key_id' : 'org_id'
    const result =
      since <= 0
        ? await client.execute({ sql: `SELECT COALESCE(SUM(cost_micros), 0) AS spent FROM usage_rollups WHERE grain = 'day' AND ${column} = ?`, args: [scope.id] })
        : await client.execute({ sql: `SELECT COALESCE(SUM(cost_micros), 0) AS spent FROM usage_events WHERE ${column} = ? AND started_at >= ?`, args: [scope.id, since] })
    return Number(result.rows[0]?.spent ?? 0)
  }
}
