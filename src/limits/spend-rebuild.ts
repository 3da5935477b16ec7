// Rebuilds budget spend from recorded usage: for a scope the ledger restarted from zero, and for every scope on resync.
import type { KeyCache } from '../auth/key-cache.ts'
import type { Logger } from '../log.ts'
import type { BudgetLedger, Scope } from './budget-ledger.ts'

/** Reads spend already recorded for a scope since `since` (startup and after a budget change). */
export type SpendSource = (scope: Scope, since: number) => Promise<number>

export interface SpendRebuildOptions {
  readonly keys: Pick<KeyCache, 'allOrgs' | 'allKeys'>
  readonly spendSince: SpendSource
  readonly log: Logger
  readonly now: () => number
}

export class SpendRebuild {
  constructor(
    private readonly ledger: BudgetLedger,
    private readonly options: SpendRebuildOptions,
  ) {}

  /** A scope the ledger restarted from zero (new budget, period or time zone): its current period's spend, from the database. */
  async seed(scope: Scope): Promise<void> {
    const after = this.ledger.status(scope, this.options.now())
    if (!after) return
    try {
      const spent = await this.options.spendSince(scope, after.periodStart)
      this.ledger.seedSpend(scope, after.periodStart, spent)
    } catch (error) {
      this.options.log.error('could not rebuild budget spend from the database', { scope: `${scope.kind}:${scope.id}`, error: String(error) })
    }
  }

  /** Re-reads spend for every budgeted scope: how instances sharing one database see each other's spend. */
  async resync(): Promise<void> {
    const now = this.options.now()
    const scopes: Scope[] = [
      ...[...this.options.keys.allOrgs()].filter((o) => o.budgetMicros !== null).map((o) => ({ kind: 'org' as const, id: o.id })),
      ...[...this.options.keys.allKeys()].filter((k) => k.row.budgetMicros !== null).map((k) => ({ kind: 'key' as const, id: k.row.id })),
    ]
    for (const scope of scopes) {
      const status = this.ledger.status(scope, now)
      if (!status) continue
      const spent = await this.options.spendSince(scope, status.periodStart)
      if (spent > status.spentMicros) this.ledger.seedSpend(scope, status.periodStart, spent)
    }
  }
}
