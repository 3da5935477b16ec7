// Reads a scope's recorded spend since a period start: raw rows for calendar periods, daily rollups for "total" (never pruned).
import type { Client } from '@libsql/client'
import type { Scope } from './budget-ledger.ts'
import type { SpendSource } from './spend-rebuild.ts'
import { conservativeCostMicros } from './reservation-cost.ts'

/**
 * Unpriced rows (a null cost) count as the live ledger charged them: their tokens at the provider's highest rates
 * (see chargeOf in limits-admission.ts), so a restart or another instance does not forget that spend. For "total" they
 * come from the raw rows still retained; rollups keep no unpriced tokens apart.
 */
export function spendSince(client: Client): SpendSource {
  return async (scope: Scope, since: number) => {
    const column = scope.kind === 'key' ? 'key_id' : 'org_id'
    const priced =
      since <= 0
        ? await client.execute({ sql: `SELECT COALESCE(SUM(cost_micros), 0) AS spent FROM usage_rollups WHERE grain = 'day' AND ${column} = ?`, args: [scope.id] })
        : await client.execute({ sql: `SELECT COALESCE(SUM(cost_micros), 0) AS spent FROM usage_events WHERE ${column} = ? AND started_at >= ?`, args: [scope.id, since] })
    const unpriced = await client.execute({
      sql: `SELECT provider, SUM(input_tokens) AS input, SUM(output_tokens) AS output FROM usage_events
            WHERE ${column} = ? AND started_at >= ? AND cost_micros IS NULL GROUP BY provider`,
      args: [scope.id, Math.max(0, since)],
    })
    let spent = Number(priced.rows[0]?.spent ?? 0)
    for (const row of unpriced.rows) spent += conservativeCostMicros(String(row.provider), Number(row.input ?? 0), Number(row.output ?? 0))
    return spent
  }
}
