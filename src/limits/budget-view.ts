// How a budget's current window reads to people (admin API and CLI): USD amounts and ISO times.
import type { BudgetStatus } from './budget-ledger.ts'

export interface BudgetWindow {
  limitMicros: number
  period: string
  periodStart: number
  /** Infinity for a total budget. */
  periodEnd: number
  spentMicros: number
  remainingMicros: number
}

export function budgetWindowView(w: BudgetWindow) {
  return {
    limit_usd: w.limitMicros / 1_000_000,
    period: w.period,
    period_start: new Date(w.periodStart).toISOString(),
    period_end: Number.isFinite(w.periodEnd) ? new Date(w.periodEnd).toISOString() : null,
    spent_usd: w.spentMicros / 1_000_000,
    remaining_usd: Math.max(0, w.remainingMicros) / 1_000_000,
  }
}

/** What an admin sees of a budget: the current period's spend, reservations and what is left, in USD. */
export function budgetStatusView(status: BudgetStatus) {
  return {
    ...budgetWindowView(status),
    reserved_usd: status.reservedMicros / 1_000_000,
    soft_threshold_reached: status.softThresholdReached,
  }
}
