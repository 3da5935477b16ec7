// Current-period budget state for the CLI, read from the database (the CLI has no live ledger).
import type { Client } from '@libsql/client'
import type { Scope } from '../limits/budget-ledger.ts'
import { DEFAULT_BUDGET_PERIOD, periodEnd, periodStart, type BudgetPeriod } from '../limits/period.ts'
import { spendSince } from '../limits/spend-source.ts'
import { budgetWindowView } from '../limits/budget-view.ts'

export interface BudgetSnapshot {
  limit_usd: number
  period: string
  period_start: string
  period_end: string | null
  spent_usd: number
  remaining_usd: number
}

export async function budgetSnapshot(
  client: Client,
  scope: Scope,
  budget: { micros: number | null; period: string | null; timeZone: string },
  now = Date.now(),
): Promise<BudgetSnapshot | null> {
  if (budget.micros === null) return null
  const period = (budget.period ?? DEFAULT_BUDGET_PERIOD) as BudgetPeriod
  const start = periodStart(period, now, budget.timeZone)
  const spent = await spendSince(client)(scope, start)
  return budgetWindowView({
    limitMicros: budget.micros,
    period,
    periodStart: start,
    periodEnd: periodEnd(period, now, budget.timeZone),
    spentMicros: spent,
    remainingMicros: budget.micros - spent,
  })
}
