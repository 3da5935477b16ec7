// How a budget's current window reads to people (admin API and CLI): USD amounts and ISO times.

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
